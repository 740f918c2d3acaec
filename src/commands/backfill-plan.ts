/**
 * Backfill estimation, pure: from the events a consumer group is behind, the share of adds,
 * the batch size and the account's per-minute limits, how many batches and DotDigital calls the
 * backlog costs and how long the limits make it take.
 *
 * The model, per operation class (each has its own budget, src/limits):
 * - add: one import per batch of adds; poll: `pollsPerJob` status polls per import or deletion;
 * - remove: one bulk delete per batch of removes (DOTDIGITAL_DELETE_CHUNK_SIZE ≥ the batch
 *   size, as by default); lookup: one per removed contact without a contactId, worst case (the
 *   contact-id cache is cold).
 * Batches are full (a backfill is read far faster than WINDOW_MS) but never fewer than the
 * distinct (connector, book, action) seen. Time per class = calls ÷ limit; classes run side by
 * side, so the ETA is the slowest; if DotDigital counts them in one scope, it is their sum.
 * Several accounts have separate budgets: then this is an upper bound.
 */
import type { PartitionOffsets } from '../consumer/offset-admin.js';
import type { MembershipChange } from '../windowing/event.js';

export type LimitedClass = 'add' | 'remove' | 'lookup' | 'poll';

export interface EstimateInput {
  readonly events: number;
  /** Fraction of events that are adds, 0..1. */
  readonly addShare: number;
  /** Fraction of removes that need a contact look-up, 0..1 (1 = worst case). */
  readonly lookupShare: number;
  readonly batchSize: number;
  readonly pollsPerJob: number;
  readonly perMinute: Readonly<Record<LimitedClass, number>>;
  /** Distinct (connector, book) per action seen in a sample: each needs a batch of its own. */
  readonly minBatches?: { readonly add: number; readonly remove: number } | undefined;
}

export interface ClassLoad {
  readonly operation: LimitedClass;
  readonly calls: number;
  readonly perMinute: number;
  readonly minutes: number;
}

export interface Estimate {
  readonly events: number;
  readonly adds: number;
  readonly removes: number;
  readonly addBatches: number;
  readonly removeBatches: number;
  readonly calls: number;
  readonly classes: readonly ClassLoad[];
  /** The slowest class: the classes draw on separate budgets at the same time. */
  readonly etaMinutes: number;
  /** Every class one after the other: when DotDigital counts them in one scope. */
  readonly etaSerialMinutes: number;
}

/** Where the group reads next: its commit (records below `low` are gone: from `low`), else `low` (fromBeginning) or the end. */
export function readPosition(p: PartitionOffsets, fromBeginning: boolean): number {
  if (p.committed >= 0) return Math.max(p.committed, p.low);
  return fromBeginning ? p.low : p.high;
}

/** Events the group is behind on one topic. */
export function lagOf(offsets: readonly PartitionOffsets[], fromBeginning: boolean): number {
  return offsets.reduce((sum, p) => sum + Math.max(0, p.high - readPosition(p, fromBeginning)), 0);
}

const share = (x: number): number => Math.min(1, Math.max(0, x));

export function estimateBackfill(input: EstimateInput): Estimate {
  if (!(input.batchSize >= 1) || !(input.pollsPerJob >= 0)) throw new RangeError('batchSize must be >= 1 and pollsPerJob >= 0');
  const events = Math.max(0, Math.round(input.events));
  const adds = Math.round(events * share(input.addShare));
  const removes = events - adds;
  const batches = (n: number, min: number) => (n === 0 ? 0 : Math.min(n, Math.max(Math.ceil(n / input.batchSize), min)));
  const addBatches = batches(adds, input.minBatches?.add ?? 0);
  const removeBatches = batches(removes, input.minBatches?.remove ?? 0);
  const calls: Record<LimitedClass, number> = {
    add: addBatches,
    remove: removeBatches,
    lookup: Math.ceil(removes * share(input.lookupShare)),
    poll: Math.ceil((addBatches + removeBatches) * input.pollsPerJob),
  };
  const classes = (['add', 'remove', 'lookup', 'poll'] as const).map((operation) => ({
    operation,
    calls: calls[operation],
    perMinute: input.perMinute[operation],
    minutes: calls[operation] / input.perMinute[operation],
  }));
  return {
    events,
    adds,
    removes,
    addBatches,
    removeBatches,
    calls: classes.reduce((a, c) => a + c.calls, 0),
    classes,
    etaMinutes: Math.max(0, ...classes.map((c) => c.minutes)),
    etaSerialMinutes: classes.reduce((a, c) => a + c.minutes, 0),
  };
}

/** "2d 3h", "3h 05m", "12m 30s", "45s". */
export function humanMinutes(minutes: number): string {
  // Rounded to the millisecond first: 10000 / 300 * 60 is 2000.0000000000002, not 2001 s.
  const s = Math.ceil(Math.round(minutes * 60_000) / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(ss).padStart(2, '0')}s`;
  return `${ss}s`;
}

export interface EstimateContext {
  readonly group: string;
  /** Records behind, before removing those a sample says would be dead-lettered. */
  readonly lag: number;
  readonly topics: readonly string[];
  readonly addShareSource: string;
  readonly lookupShareSource: string;
}

const NOTES: Record<LimitedClass, string> = {
  add: 'one import per batch of adds',
  remove: 'one bulk delete per batch of removes',
  lookup: 'removes without a contactId, cache cold',
  poll: 'status polls of imports and deletions',
};

export function formatEstimate(e: Estimate, input: EstimateInput, ctx: EstimateContext): string[] {
  const pct = (x: number) => `${(share(x) * 100).toFixed(1)}%`;
  const lines = [
    `backfill estimate for group ${ctx.group} on ${ctx.topics.join(', ')}`,
    `events behind      ${ctx.lag}${ctx.lag === e.events ? '' : `; ${e.events} to send (the sample says the rest would be dead-lettered)`}`,
    `adds               ${e.adds} (${pct(input.addShare)}, ${ctx.addShareSource}) in ${e.addBatches} batch(es)`,
    `removes            ${e.removes} in ${e.removeBatches} batch(es); look-ups for ${pct(input.lookupShare)} (${ctx.lookupShareSource})`,
    `batch size         ${input.batchSize}; ${input.pollsPerJob} poll(s) per job`,
    '',
    'class       calls   limit/min      time  what',
  ];
  for (const c of e.classes) {
    lines.push(`${c.operation.padEnd(8)}  ${String(c.calls).padStart(7)}  ${String(c.perMinute).padStart(10)}  ${humanMinutes(c.minutes).padStart(8)}  ${NOTES[c.operation]}`);
  }
  lines.push('', `total calls ${e.calls}`);
  lines.push(`ETA ${humanMinutes(e.etaMinutes)} (each class at its own limit, side by side); ${humanMinutes(e.etaSerialMinutes)} if DotDigital counts them in one scope`);
  return lines;
}

export interface SampleStats {
  readonly records: number;
  /** Records the service would dead-letter instead of sending (undecodable or invalid). */
  readonly rejected: number;
  readonly adds: number;
  readonly removes: number;
  readonly removesWithoutContactId: number;
  /** Distinct (connector, address book) among the sampled adds, and among the removes. */
  readonly addKeys: number;
  readonly removeKeys: number;
}

/** Counts what a sample of the backlog holds. */
export class SampleTally {
  private records = 0;
  private rejected = 0;
  private adds = 0;
  private removes = 0;
  private removesWithoutContactId = 0;
  private readonly keys = { ADD: new Set<string>(), REMOVE: new Set<string>() };

  add(event: Pick<MembershipChange, 'connectorId' | 'addressBookId' | 'action' | 'profile'> | null): void {
    this.records++;
    if (event === null) {
      this.rejected++;
      return;
    }
    this.keys[event.action].add(`${event.connectorId}\u0000${event.addressBookId}`);
    if (event.action === 'ADD') this.adds++;
    else {
      this.removes++;
      if (event.profile.contactId === null) this.removesWithoutContactId++;
    }
  }

  stats(): SampleStats {
    const { records, rejected, adds, removes, removesWithoutContactId } = this;
    return { records, rejected, adds, removes, removesWithoutContactId, addKeys: this.keys.ADD.size, removeKeys: this.keys.REMOVE.size };
  }
}

/** What a sample says about the backlog; undefined fields when the sample has nothing to say. */
export function measuredShares(s: SampleStats): { sentShare: number | undefined; addShare: number | undefined; lookupShare: number | undefined; minBatches: { add: number; remove: number } } {
  const sent = s.adds + s.removes;
  return {
    sentShare: s.records === 0 ? undefined : sent / s.records,
    addShare: sent === 0 ? undefined : s.adds / sent,
    lookupShare: s.removes === 0 ? undefined : s.removesWithoutContactId / s.removes,
    minBatches: { add: s.addKeys, remove: s.removeKeys },
  };
}
