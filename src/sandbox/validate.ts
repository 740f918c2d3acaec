/**
 * Checks of everything that reaches the sandbox from outside (seed files, control requests, and
 * in-process callers alike): each parser takes unknown and returns the typed value or throws a
 * SandboxError listing every problem.
 */
import {
  LIMIT_SCOPES,
  REGION_IDS,
  type AccountSeed,
  type FaultConfig,
  type LimitScope,
  type RateMode,
  type SandboxSettings,
} from './types.js';

export class SandboxError extends Error {}

type Loose = Readonly<Record<string, unknown>>;

function object(value: unknown, what: string): Loose {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SandboxError(`${what} must be a JSON object`);
  return value as Loose;
}

function fail(what: string, problems: string[]): void {
  if (problems.length > 0) throw new SandboxError(`invalid ${what}: ${problems.join('; ')}`);
}

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export function parseRateMode(value: unknown): RateMode {
  if (value !== 'tiered' && value !== 'flat') throw new SandboxError('mode must be "tiered" or "flat"');
  return value;
}

export function parseLimits(value: unknown, what = 'limits'): Partial<Record<LimitScope, number>> {
  const o = object(value ?? {}, what);
  const problems: string[] = [];
  for (const [scope, perMinute] of Object.entries(o)) {
    if (!(LIMIT_SCOPES as readonly string[]).includes(scope))
      problems.push(`unknown scope ${scope} (one of ${LIMIT_SCOPES.join(', ')})`);
    if (!isInt(perMinute, 0)) problems.push(`limit of ${scope} must be an integer ≥ 0`);
  }
  fail(what, problems);
  return o;
}

export function parseAccountSeed(value: unknown): AccountSeed {
  const o = object(value, 'account seed');
  const problems: string[] = [];
  if (!isInt(o.id, 1)) problems.push('id must be a positive integer');
  if (!(REGION_IDS as readonly unknown[]).includes(o.region))
    problems.push(`region must be one of ${REGION_IDS.join(', ')}`);
  const users = Array.isArray(o.apiUsers) ? (o.apiUsers as unknown[]) : [];
  if (users.length === 0) problems.push('apiUsers must list at least one {username, password}');
  for (const u of users) {
    const user = typeof u === 'object' && u !== null ? (u as Loose) : {};
    if (
      typeof user.username !== 'string' ||
      user.username === '' ||
      typeof user.password !== 'string' ||
      user.password === ''
    )
      problems.push('every API user needs a username and a password');
  }
  const books =
    o.addressBooks === undefined ? [] : Array.isArray(o.addressBooks) ? (o.addressBooks as unknown[]) : null;
  if (books === null) problems.push('addressBooks must be an array');
  for (const b of books ?? []) {
    const book = typeof b === 'object' && b !== null ? (b as Loose) : {};
    if (typeof book.name !== 'string') problems.push('every address book needs a name');
    if (book.visibility !== undefined && book.visibility !== 'Private' && book.visibility !== 'Public')
      problems.push('visibility must be Private or Public');
  }
  if (o.rateMode !== undefined && o.rateMode !== 'tiered' && o.rateMode !== 'flat')
    problems.push('rateMode must be tiered or flat');
  if (o.flatLimitPerHour !== undefined && !isInt(o.flatLimitPerHour, 1))
    problems.push('flatLimitPerHour must be a positive integer');
  if (
    o.suppressedEmails !== undefined &&
    !(Array.isArray(o.suppressedEmails) && o.suppressedEmails.every((e) => typeof e === 'string'))
  )
    problems.push('suppressedEmails must be strings');
  try {
    parseLimits(o.limits);
  } catch (err) {
    problems.push((err as Error).message);
  }
  fail('account seed', problems);
  return o as unknown as AccountSeed;
}

export function parseFaults(value: unknown): FaultConfig {
  const o = object(value, 'faults');
  const problems: string[] = [];
  for (const rate of ['resetRate', 'hangRate', 'serverErrorRate', 'tooManyRequestsRate']) {
    const v = o[rate];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0 && v <= 1)))
      problems.push(`${rate} must be a number in [0, 1]`);
  }
  for (const name of ['latencyMs', 'maxFaults'])
    if (o[name] !== undefined && !isInt(o[name], 0)) problems.push(`${name} must be an integer ≥ 0`);
  if (o.serverErrorStatus !== undefined && !isInt(o.serverErrorStatus, 500, 599))
    problems.push('serverErrorStatus must be a 5xx status');
  if (
    o.importStatus !== undefined &&
    !['Failed', 'RejectedByWatchdog', 'ExceedsAllowedContactLimit'].includes(o.importStatus as string)
  )
    problems.push('importStatus must be Failed, RejectedByWatchdog or ExceedsAllowedContactLimit');
  if (o.deletionStatus !== undefined && o.deletionStatus !== 'Failed')
    problems.push('deletionStatus must be Failed');
  if (
    o.scopes !== undefined &&
    !(Array.isArray(o.scopes) && o.scopes.every((s) => (LIMIT_SCOPES as readonly unknown[]).includes(s)))
  )
    problems.push(`scopes must be a list of ${LIMIT_SCOPES.join(', ')}`);
  fail('faults', problems);
  return o;
}

export function parseSettings(value: unknown): SandboxSettings {
  const o = object(value, 'settings');
  const problems: string[] = [];
  for (const name of ['importDelayMs', 'deletionDelayMs'])
    if (!isInt(o[name], 0)) problems.push(`${name} must be an integer ≥ 0`);
  for (const name of ['limitWindowMs', 'maxActiveImports', 'defaultFlatLimitPerHour'])
    if (!isInt(o[name], 1)) problems.push(`${name} must be a positive integer`);
  if (o.resetHeaderForm !== 'delta' && o.resetHeaderForm !== 'epoch')
    problems.push('resetHeaderForm must be delta or epoch');
  if (o.addressBookCreateStatus !== 200 && o.addressBookCreateStatus !== 201)
    problems.push('addressBookCreateStatus must be 200 or 201');
  if (o.defaultRateMode !== 'tiered' && o.defaultRateMode !== 'flat')
    problems.push('defaultRateMode must be tiered or flat');
  try {
    parseLimits(o.defaultLimits, 'defaultLimits');
  } catch (err) {
    problems.push((err as Error).message);
  }
  fail('settings', problems);
  return o as unknown as SandboxSettings;
}
