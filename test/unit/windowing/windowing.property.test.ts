/**
 * Model-based property tests: random interleavings of produced records, consumption, clock ticks,
 * scheduling (send slots, flush), outcomes (success, per-entry permanent failure, whole-batch
 * failure, retry), dead-letter acknowledgements, commits, rebalances and the re-deliveries they
 * cause, driven through Windowing exactly as the consumer drives it, against a small model of
 * Kafka, the consumer and DotDigital.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryOffsets, type Batch, type BatchEntry } from '../../../src/windowing/batch.js';
import type { Action, MembershipChange } from '../../../src/windowing/event.js';
import { Windowing } from '../../../src/windowing/windowing.js';
import { TOPIC } from './helpers.js';

const WINDOW = 100;
const PARTITIONS = [0, 1];
const CONNECTORS = ['c0', 'c1', 'c2'];
/** The Kafka key is the connector: c0 and c2 share partition 0. */
const partitionOf = (connector: number): number => (connector === 1 ? 1 : 0);
const RUNS = 1000;

type Op =
  | {
      t: 'produce';
      connector: number;
      book: number;
      contact: number;
      action: Action;
      poison: boolean;
      bad: boolean;
    }
  | { t: 'consume'; partition: number; n: number }
  | { t: 'tick'; ms: number }
  | { t: 'schedule'; slots: number; flush: boolean }
  | { t: 'outcome'; pick: number; kind: 'success' | 'retry' | 'fail-all' }
  | { t: 'ack'; pick: number }
  | { t: 'commit' }
  | { t: 'rebalance'; owned: readonly number[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('produce' as const),
      connector: fc.integer({ min: 0, max: 2 }),
      book: fc.integer({ min: 1, max: 2 }),
      contact: fc.integer({ min: 0, max: 3 }),
      action: fc.constantFrom<Action>('ADD', 'REMOVE'),
      poison: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      bad: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('consume' as const),
      partition: fc.constantFrom(0, 1),
      n: fc.integer({ min: 1, max: 5 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 150 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('schedule' as const),
      slots: fc.constantFrom(1, 2, Number.MAX_SAFE_INTEGER),
      flush: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('outcome' as const),
      pick: fc.nat(),
      kind: fc.constantFrom('success', 'retry', 'fail-all'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('ack' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('commit' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('rebalance' as const), owned: fc.subarray(PARTITIONS) }),
  },
);

interface LogRecord {
  readonly event: MembershipChange | null; // null: undecodable, rejected before windowing
  readonly poison: boolean; // DotDigital rejects this contact permanently
}

interface ModelEntry {
  readonly offsets: number[];
  event: MembershipChange;
}

type DeadLetter =
  { batch: Batch; entry: BatchEntry } | { partition: number; offset: number; generation: number };

const fullKey = (connectorId: string, book: number, key: string): string => `${connectorId}|${book}|${key}`;
/** The last two keys have the same keyHash: the book's collision path gets exercised too. */
const emailOf = (contact: number): string =>
  ['Ann@x.io', 'bob@x.io', 'c693596@x.io', 'C1170850@x.io'][contact]!;
const keyOf = (e: MembershipChange): string =>
  fullKey(e.connectorId, e.addressBookId, e.profile.email!.toLowerCase());

/** The consumer, Kafka and DotDigital around one Windowing. */
class Harness {
  readonly w = new Windowing({
    windowMs: WINDOW,
    maxBatchSize: 2,
    maxBufferedEntries: 1000,
    resumeBufferedEntries: 0,
  });
  now = 0;
  private seq = 0;
  readonly log: LogRecord[][] = PARTITIONS.map(() => []);
  readonly committed = PARTITIONS.map(() => 0);
  readonly position = PARTITIONS.map(() => 0);
  owned = new Set<number>();
  // per generation: offsets seen and those made final, per partition
  seen: number[][] = PARTITIONS.map(() => []);
  final: Set<number>[] = PARTITIONS.map(() => new Set());
  readonly buffered = new Map<string, ModelEntry>();
  readonly inFlight: Batch[] = [];
  readonly inFlightContacts = new Set<string>();
  readonly deadLetters: DeadLetter[] = [];
  /** DotDigital: the membership each contact ended with. */
  readonly applied = new Map<string, Action>();
  /** `${partition}:${offset}` → first consumption by this process, until first released (owned throughout). */
  readonly awaitingRelease = new Map<string, number>();
  readonly released = new Set<string>();
  /** Events whose entry was dead-lettered (never applied) at least once. */
  readonly deadLettered = new Set<string>();

  run(op: Op): void {
    switch (op.t) {
      case 'produce':
        return this.produce(op);
      case 'consume':
        return this.consume(op.partition, op.n);
      case 'tick':
        this.now += op.ms;
        return;
      case 'schedule':
        return this.schedule(op.slots, op.flush);
      case 'outcome':
        return this.outcome(op.pick, op.kind);
      case 'ack':
        return this.ack(op.pick);
      case 'commit':
        return this.commit();
      case 'rebalance':
        return this.rebalance(op.owned);
    }
  }

  produce(op: Extract<Op, { t: 'produce' }>): void {
    const event: MembershipChange = {
      eventId: `00000000-0000-4000-8000-${String(++this.seq).padStart(12, '0')}`,
      occurredAt: this.seq,
      connectorId: CONNECTORS[op.connector]!,
      source: { kind: 'JOURNEY', id: 'j', stepId: 's' },
      addressBookId: op.book,
      action: op.action,
      profile: {
        profileId: `p${op.contact}`,
        email: emailOf(op.contact),
        contactId: null,
        mobileNumber: null,
      },
    };
    this.log[partitionOf(op.connector)]!.push({ event: op.bad ? null : event, poison: op.poison });
  }

  consume(partition: number, n: number): void {
    if (!this.owned.has(partition)) return;
    const log = this.log[partition]!;
    for (let k = 0; k < n && this.position[partition]! < log.length; k++) {
      const offset = this.position[partition]!++;
      const source = { topic: TOPIC, partition, offset };
      const record = log[offset]!;
      this.seen[partition]!.push(offset);
      if (record.event === null) {
        const generation = this.w.reject(source, this.now);
        expect(generation).toBe(this.w.generation);
        this.deadLetters.push({ partition, offset, generation: generation! });
        continue;
      }
      const id = `${partition}:${offset}`;
      if (!this.released.has(id) && !this.awaitingRelease.has(id)) this.awaitingRelease.set(id, this.now);
      const key = keyOf(record.event);
      const pending = this.buffered.get(key);
      expect(this.w.add(record.event, source, this.now)).toBe(
        pending === undefined ? 'buffered' : 'coalesced',
      );
      if (pending === undefined) this.buffered.set(key, { offsets: [offset], event: record.event });
      else {
        pending.offsets.push(offset);
        pending.event = record.event;
      }
    }
  }

  schedule(slots: number, flush: boolean): void {
    const batches = this.w.takeSendable(this.now, slots, flush);
    expect(batches.length).toBeLessThanOrEqual(slots);
    for (const batch of batches) {
      expect(batch.generation).toBe(this.w.generation);
      expect(batch.entries.length).toBeGreaterThan(0);
      expect(batch.entries.length).toBeLessThanOrEqual(2);
      for (const entry of batch.entries) {
        const key = fullKey(batch.connectorId, batch.addressBookId, entry.key);
        // never two batches in flight with one contact (so never an ADD and a REMOVE, nor out of order)
        expect(this.inFlightContacts.has(key)).toBe(false);
        this.inFlightContacts.add(key);
        const model = this.buffered.get(key);
        expect(model).toBeDefined();
        // the latest event is the one sent, standing for every record it replaced
        expect(entry.event).toBe(model!.event);
        expect(entry.event.action).toBe(batch.action);
        expect(entryOffsets(entry).map((s) => s.offset)).toEqual(model!.offsets);
        this.buffered.delete(key);
        for (const s of entryOffsets(entry)) {
          const id = `${s.partition}:${s.offset}`;
          this.awaitingRelease.delete(id);
          this.released.add(id);
        }
      }
      this.inFlight.push(batch);
    }
    if (slots === Number.MAX_SAFE_INTEGER) this.checkClock();
  }

  /**
   * With every slot free, nothing first consumed windowMs ago or more (before any number of
   * rebalances) is still held, unless its contact waits for a batch in flight.
   */
  private checkClock(): void {
    for (const [key, model] of this.buffered) {
      if (this.inFlightContacts.has(key)) continue;
      const partition = partitionOf(CONNECTORS.indexOf(model.event.connectorId));
      for (const offset of model.offsets) {
        const first = this.awaitingRelease.get(`${partition}:${offset}`);
        if (first !== undefined) expect(this.now - first).toBeLessThan(WINDOW);
      }
    }
  }

  outcome(pick: number, kind: 'success' | 'retry' | 'fail-all'): void {
    if (this.inFlight.length === 0 || kind === 'retry') return; // a retry: the batch stays in flight
    const [batch] = this.inFlight.splice(pick % this.inFlight.length, 1);
    for (const entry of batch!.entries) {
      const poison = kind === 'fail-all' || this.isPoison(entry);
      if (poison) {
        this.deadLettered.add(entry.event.eventId);
        this.deadLetters.push({ batch: batch!, entry });
      } else {
        this.applied.set(fullKey(batch!.connectorId, batch!.addressBookId, entry.key), entry.event.action);
        this.settle(batch!, entry);
      }
    }
    for (const entry of batch!.entries)
      this.inFlightContacts.delete(fullKey(batch!.connectorId, batch!.addressBookId, entry.key));
    expect(this.w.complete(batch!)).toBe(true);
  }

  private isPoison(entry: BatchEntry): boolean {
    return this.log[entry.source.partition]![entry.source.offset]!.poison;
  }

  private settle(batch: Batch, entry: BatchEntry): void {
    const moved = this.w.settle(batch, entry);
    if (batch.generation !== this.w.generation) return expect(moved).toBe(0);
    for (const s of entryOffsets(entry)) this.final[s.partition]!.add(s.offset);
  }

  ack(pick: number): void {
    if (this.deadLetters.length === 0) return;
    const [dl] = this.deadLetters.splice(pick % this.deadLetters.length, 1);
    if ('batch' in dl!) return this.settle(dl.batch, dl.entry);
    const current = dl!.generation === this.w.generation;
    expect(
      this.w.finalize({ topic: TOPIC, partition: dl!.partition, offset: dl!.offset }, dl!.generation),
    ).toBe(current);
    if (current) this.final[dl!.partition]!.add(dl!.offset);
  }

  commit(): void {
    for (const p of this.owned) {
      const c = this.w.committable(TOPIC, p);
      if (c !== undefined) this.committed[p] = c;
    }
  }

  rebalance(owned: readonly number[]): void {
    for (const p of PARTITIONS) {
      if (owned.includes(p)) continue;
      // another process may have it: this one forgets when it first saw those records
      for (const id of [...this.awaitingRelease.keys(), ...this.released]) {
        if (id.startsWith(`${p}:`)) {
          this.awaitingRelease.delete(id);
          this.released.delete(id);
        }
      }
    }
    this.w.onAssignment(owned.map((partition) => ({ topic: TOPIC, partition })));
    this.owned = new Set(owned);
    for (const p of PARTITIONS) this.position[p] = this.committed[p]!;
    this.seen = PARTITIONS.map(() => []);
    this.final = PARTITIONS.map(() => new Set());
    this.buffered.clear();
  }

  /** The invariants that hold after every step. */
  check(): void {
    expect(this.w.store.buffered).toBe(this.buffered.size);
    expect(this.w.store.inFlightBatches).toBe(this.inFlight.length);
    for (const p of PARTITIONS) {
      const c = this.w.committable(TOPIC, p);
      if (!this.owned.has(p) || this.seen[p]!.length === 0) {
        expect(c).toBeUndefined();
        continue;
      }
      // exactly the lowest offset not final, else last seen + 1: never past a pending offset
      const lowestPending = this.seen[p]!.find((o) => !this.final[p]!.has(o));
      expect(c).toBe(lowestPending ?? this.seen[p]!.at(-1)! + 1);
      expect(c!).toBeGreaterThanOrEqual(this.committed[p]!);
    }
  }

  /** Stop producing, own everything, and run to the end. */
  drain(): void {
    if (this.owned.size < PARTITIONS.length) this.rebalance(PARTITIONS);
    for (const p of PARTITIONS) this.consume(p, Number.MAX_SAFE_INTEGER);
    for (
      let round = 0;
      this.w.store.buffered > 0 || this.inFlight.length > 0 || this.deadLetters.length > 0;
      round++
    ) {
      expect(round).toBeLessThan(100);
      this.schedule(Number.MAX_SAFE_INTEGER, true);
      while (this.inFlight.length > 0) this.outcome(0, 'success');
      while (this.deadLetters.length > 0) this.ack(0);
      this.check();
    }
    this.commit();
  }

  /** After the drain: everything committed, and each contact ends with its last event (unless that one was dead-lettered). */
  checkEnd(): void {
    for (const p of PARTITIONS) expect(this.committed[p]).toBe(this.log[p]!.length);
    const last = new Map<string, LogRecord>();
    for (const log of this.log) for (const r of log) if (r.event !== null) last.set(keyOf(r.event), r);
    for (const [key, record] of last) {
      if (!this.deadLettered.has(record.event!.eventId))
        expect(this.applied.get(key), key).toBe(record.event!.action);
    }
  }
}

describe('Windowing properties (random interleavings)', () => {
  it('commits only final offsets, applies the last event per contact, never sends conflicts together, counts what it holds', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 150, size: 'max' }), (ops) => {
        const h = new Harness();
        h.rebalance(PARTITIONS);
        for (const op of ops) {
          h.run(op);
          h.check();
        }
        h.drain();
        h.checkEnd();
      }),
      { numRuns: RUNS },
    );
  });

  it('releases a profile no later than 2 × windowMs after its first consumption, across repeated rebalances', () => {
    // Schedules with every slot free after each step, rebalancing often while keeping partition 0.
    const stepArb = fc.oneof(
      opArb.filter(
        (op) => op.t === 'produce' || op.t === 'consume' || op.t === 'outcome' || op.t === 'commit',
      ),
      fc.record({ t: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ t: fc.constant('rebalance' as const), owned: fc.constantFrom([0], [0, 1]) }),
    );
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 10, maxLength: 150, size: 'max' }), (ops) => {
        const h = new Harness();
        h.rebalance(PARTITIONS);
        for (const op of ops) {
          h.run(op);
          h.schedule(Number.MAX_SAFE_INTEGER, false);
          h.check();
          // every in-flight batch completes within the step, so nothing may wait on one
          while (h.inFlight.length > 0) h.outcome(0, 'success');
          for (const [id, first] of h.awaitingRelease) {
            const [p, o] = id.split(':').map(Number) as [number, number];
            // consumed and not released yet: only while not re-consumed since the last rebalance
            if (o < h.position[p]!) expect(h.now - first, id).toBeLessThanOrEqual(2 * WINDOW);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
