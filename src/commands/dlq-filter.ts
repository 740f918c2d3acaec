/**
 * Which dead letters `dlq redrive` re-publishes, pure: the filters of the command line, the
 * verdict on one letter, and the tally printed per error code and connector.
 */
import { SyncError, isErrorCode } from '../errors.js';
import type { DeadLetterRecord } from '../windowing/event.js';

/**
 * Codes whose letters fail again on the same bytes whatever is fixed elsewhere: re-publishing
 * them would only bring them back to the dead-letter topic. Skipped unless --code names them
 * (e.g. DECODE_FAILED after a service release that reads a new writer schema).
 */
export const NOT_REDRIVABLE: ReadonlySet<string> = new Set([
  'DECODE_UNKNOWN_MAGIC_BYTE',
  'DECODE_FAILED',
  'EVENT_INVALID',
  'EVENT_NO_IDENTIFIER',
  'EVENT_BAD_ADDRESS_BOOK',
]);

export interface LetterFilter {
  readonly connectors: ReadonlySet<string> | undefined;
  /** Named with --code: only these, and even codes of NOT_REDRIVABLE. */
  readonly codes: ReadonlySet<string> | undefined;
  /** failedAt at or after (epoch ms). */
  readonly sinceMs: number | undefined;
  /** failedAt before (epoch ms). */
  readonly untilMs: number | undefined;
}

export const NO_FILTER: LetterFilter = { connectors: undefined, codes: undefined, sinceMs: undefined, untilMs: undefined };

/** Values of a repeatable option that may also be a comma list: ["a,b", "c"] → [a, b, c]. */
export function listOption(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  const items = parts.flatMap((p) => p.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  return items;
}

function isoOption(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : '';
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms)) throw new SyncError('USAGE', `--${name}: "${text}" is not an ISO-8601 date or date-time`);
  return ms;
}

export function parseLetterFilter(values: Readonly<Record<string, unknown>>): LetterFilter {
  const connectors = listOption(values.connector);
  const codes = listOption(values.code);
  if (connectors?.length === 0) throw new SyncError('USAGE', '--connector needs a connector id');
  if (codes?.length === 0) throw new SyncError('USAGE', '--code needs an error code');
  const unknown = (codes ?? []).filter((c) => !isErrorCode(c));
  if (unknown.length > 0) throw new SyncError('USAGE', `--code: unknown error code ${unknown.join(', ')} (docs/operations.md lists them)`);
  const sinceMs = isoOption('since', values.since);
  const untilMs = isoOption('until', values.until);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) throw new SyncError('USAGE', '--since must be before --until');
  return {
    connectors: connectors === undefined ? undefined : new Set(connectors),
    codes: codes === undefined ? undefined : new Set(codes),
    sinceMs,
    untilMs,
  };
}

export function hasFilter(f: LetterFilter): boolean {
  return f.connectors !== undefined || f.codes !== undefined || f.sinceMs !== undefined || f.untilMs !== undefined;
}

export type Verdict = 'redrive' | 'filtered' | 'not-redrivable' | 'no-payload';

export type LetterFacts = Pick<DeadLetterRecord, 'errorCode' | 'connectorId' | 'failedAt' | 'value' | 'event'>;

export function judge(letter: LetterFacts, f: LetterFilter): Verdict {
  if (f.connectors !== undefined && (letter.connectorId === null || !f.connectors.has(letter.connectorId))) return 'filtered';
  if (f.codes !== undefined && !f.codes.has(letter.errorCode)) return 'filtered';
  if (f.sinceMs !== undefined && letter.failedAt < f.sinceMs) return 'filtered';
  if (f.untilMs !== undefined && letter.failedAt >= f.untilMs) return 'filtered';
  if (f.codes === undefined && NOT_REDRIVABLE.has(letter.errorCode)) return 'not-redrivable';
  if (letter.value === null && letter.event === null) return 'no-payload';
  return 'redrive';
}

export interface TallyRow {
  readonly code: string;
  readonly connector: string;
  readonly letters: number;
}

/** Counts letters per verdict, and the re-published ones per (code, connector). */
export class Tally {
  readonly verdicts: Record<Verdict | 'unreadable', number> = { redrive: 0, filtered: 0, 'not-redrivable': 0, 'no-payload': 0, unreadable: 0 };
  private readonly rows = new Map<string, TallyRow>();
  private readonly skippedCodes = new Map<string, number>();

  add(letter: LetterFacts, verdict: Verdict): void {
    this.verdicts[verdict]++;
    if (verdict === 'not-redrivable') this.skippedCodes.set(letter.errorCode, (this.skippedCodes.get(letter.errorCode) ?? 0) + 1);
    if (verdict !== 'redrive') return;
    const connector = letter.connectorId ?? '(unknown)';
    const k = `${letter.errorCode}\u0000${connector}`;
    const row = this.rows.get(k);
    this.rows.set(k, { code: letter.errorCode, connector, letters: (row?.letters ?? 0) + 1 });
  }

  unreadable(): void {
    this.verdicts.unreadable++;
  }

  get read(): number {
    return Object.values(this.verdicts).reduce((a, b) => a + b, 0);
  }

  table(): TallyRow[] {
    return [...this.rows.values()].sort((a, b) => a.code.localeCompare(b.code) || a.connector.localeCompare(b.connector));
  }

  /** The printed summary: the table, then one line per kind of skip. */
  lines(what: 'would re-publish' | 're-published'): string[] {
    const rows = this.table();
    const codeW = Math.max(4, ...rows.map((r) => r.code.length));
    const connW = Math.max(9, ...rows.map((r) => r.connector.length));
    const out = rows.length === 0 ? [] : [`${'code'.padEnd(codeW)}  ${'connector'.padEnd(connW)}  letters`];
    for (const r of rows) out.push(`${r.code.padEnd(codeW)}  ${r.connector.padEnd(connW)}  ${String(r.letters).padStart(7)}`);
    const v = this.verdicts;
    out.push(`${what} ${v.redrive} of ${this.read} letter(s) read`);
    if (v.filtered > 0) out.push(`skipped ${v.filtered}: outside the filters`);
    if (v['not-redrivable'] > 0) {
      const codes = [...this.skippedCodes].map(([c, n]) => `${c} ×${n}`).join(', ');
      out.push(`skipped ${v['not-redrivable']}: would fail again on the same bytes (${codes}); name the code with --code to re-publish them anyway`);
    }
    if (v['no-payload'] > 0) out.push(`skipped ${v['no-payload']}: neither the original value nor the decoded event is in the letter`);
    if (v.unreadable > 0) out.push(`unreadable ${v.unreadable}: not a dead-letter record this version can decode (see the log)`);
    return out;
  }
}
