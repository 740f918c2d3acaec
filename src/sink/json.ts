/**
 * Tolerant readers of DotDigital JSON. v2 binds property names case-insensitively and its docs
 * show both camelCase and PascalCase answers (e.g. deletion progress `Id`/`Status`), so every
 * field is looked up ignoring case.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function field(value: unknown, name: string): unknown {
  if (!isRecord(value)) return undefined;
  if (Object.hasOwn(value, name)) return value[name];
  const lower = name.toLowerCase();
  for (const [key, v] of Object.entries(value)) if (key.toLowerCase() === lower) return v;
  return undefined;
}

export function stringField(value: unknown, name: string): string | undefined {
  const v = field(value, name);
  return typeof v === 'string' ? v : undefined;
}

/** An integer given as a number or a decimal string (DotDigital is not consistent). */
export function intField(value: unknown, name: string): number | undefined {
  return toInt(field(value, name));
}

export function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

export function arrayField(value: unknown, name: string): unknown[] {
  const v = field(value, name);
  return Array.isArray(v) ? v : [];
}
