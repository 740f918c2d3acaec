/**
 * Replay planning, pure: from the group's offsets and a target, the offsets to set and the lag
 * before and after. Kept apart from the command so every rule is unit-tested.
 */
import { SyncError } from '../errors.js';
import type { PartitionOffsets } from '../consumer/offset-admin.js';

export type ReplayTarget =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'timestamp'; readonly timestampMs: number }
  | { readonly kind: 'offsets'; readonly offsets: ReadonlyMap<number, number> };

export interface PlanRow {
  readonly partition: number;
  readonly committed: number;
  readonly target: number;
  readonly lagBefore: number;
  readonly lagAfter: number;
}

/** Parses "p:o,p:o" (e.g. "0:120,1:0"). */
export function parseOffsetList(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^(\d+):(\d+)$/.exec(part);
    if (m === null) throw new SyncError('USAGE', `--to-offset: "${part}" is not partition:offset`);
    const p = Number(m[1]);
    if (out.has(p)) throw new SyncError('USAGE', `--to-offset: partition ${p} is given twice`);
    out.set(p, Number(m[2]));
  }
  if (out.size === 0) throw new SyncError('USAGE', '--to-offset needs at least one partition:offset');
  return out;
}

export function parseTimestamp(text: string): number {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms)) throw new SyncError('USAGE', `--to-timestamp: "${text}" is not an ISO-8601 date-time`);
  return ms;
}

const lag = (p: PartitionOffsets, from: number): number => Math.max(0, p.high - (from < 0 ? p.low : from));

export function planReplay(current: readonly PartitionOffsets[], target: ReplayTarget, atTimestamp?: ReadonlyMap<number, number>): PlanRow[] {
  if (target.kind === 'offsets') {
    const known = new Set(current.map((p) => p.partition));
    const unknown = [...target.offsets.keys()].filter((p) => !known.has(p));
    if (unknown.length > 0) throw new SyncError('USAGE', `--to-offset: the topic has no partition ${unknown.join(', ')}`);
  }
  const rows: PlanRow[] = [];
  for (const p of current) {
    let to: number | undefined;
    if (target.kind === 'earliest') to = p.low;
    else if (target.kind === 'timestamp') to = atTimestamp?.get(p.partition) ?? p.high;
    else to = target.offsets.get(p.partition);
    if (to === undefined) continue; // a partition not named in --to-offset keeps its offset
    const clamped = Math.min(Math.max(to, p.low), p.high);
    rows.push({ partition: p.partition, committed: p.committed, target: clamped, lagBefore: lag(p, p.committed), lagAfter: lag(p, clamped) });
  }
  return rows;
}
