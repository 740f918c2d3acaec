import { describe, expect, it } from 'vitest';
import { entryOffsets } from '../../../src/windowing/batch.js';
import { Windowing } from '../../../src/windowing/windowing.js';
import { at, event, P0, P1, TOPIC } from './helpers.js';

const WINDOW = 1000;
const make = (): Windowing =>
  new Windowing({ windowMs: WINDOW, maxBatchSize: 10, maxBufferedEntries: 3, resumeBufferedEntries: 1 });

describe('Windowing: records in', () => {
  it('buffers, coalesces, and drops what it must not hold', () => {
    const w = make();
    expect(w.add(event({ email: 'a@x' }), at(0), 0)).toBe('not-owned');
    expect(w.onAssignment([P0])).toBe(1);
    expect(w.generation).toBe(1);
    expect(w.assigned()).toEqual([P0]);
    expect(w.add(event({ email: 'a@x' }), at(0), 0)).toBe('buffered');
    expect(w.add(event({ email: 'a@x' }), at(1), 0)).toBe('coalesced');
    expect(w.add(event({ email: 'b@x' }), at(1), 0)).toBe('duplicate');
    expect(w.add(event({ email: 'b@x' }), at(0, 1), 0)).toBe('not-owned');
    expect(w.store.buffered).toBe(1);
    expect(w.committable(TOPIC, 0)).toBe(0);
  });

  it('rejects a profile without identifier before the ledger sees it (no offset left pending)', () => {
    const w = make();
    w.onAssignment([P0]);
    expect(() => w.add(event({ email: null }), at(0), 0)).toThrow(
      expect.objectContaining({ code: 'EVENT_NO_IDENTIFIER' }),
    );
    expect(w.stats(0).pendingOffsets).toBe(0);
    // the consumer dead-letters it as a rejected record instead
    const generation = w.reject(at(0), 0);
    expect(generation).toBe(1);
    expect(w.committable(TOPIC, 0)).toBe(0);
    expect(w.finalize(at(0), generation!)).toBe(true);
    expect(w.committable(TOPIC, 0)).toBe(1);
  });

  it('rejected records hold commits back until finalized, and neither count twice nor outside the assignment', () => {
    const w = make();
    w.onAssignment([P0]);
    const g = w.reject(at(0), 0)!;
    w.add(event({ email: 'a@x' }), at(1), 0);
    expect(w.reject(at(1), 0)).toBeUndefined();
    expect(w.reject(at(0, 5), 0)).toBeUndefined();
    const [batch] = w.takeSendable(WINDOW, 10);
    w.settle(batch!, batch!.entries[0]!);
    w.complete(batch!);
    expect(w.committable(TOPIC, 0)).toBe(0);
    expect(w.finalize(at(0), g)).toBe(true);
    expect(w.committable(TOPIC, 0)).toBe(2);
  });
});

describe('Windowing: outcomes', () => {
  it('settles every record an entry stands for, entry by entry', () => {
    const w = make();
    w.onAssignment([P0]);
    w.add(event({ email: 'a@x' }), at(0), 0);
    w.add(event({ email: 'b@x' }), at(1), 0);
    w.add(event({ email: 'a@x', action: 'REMOVE' }), at(2), 0);
    const batches = w.takeSendable(WINDOW, 10);
    expect(batches).toHaveLength(2);
    const remove = batches.find((b) => b.action === 'REMOVE')!;
    const add = batches.find((b) => b.action === 'ADD')!;
    expect(entryOffsets(remove.entries[0]!)).toEqual([at(0), at(2)]);
    expect(entryOffsets(add.entries[0]!)).toEqual([at(1)]);
    expect(w.settle(remove, remove.entries[0]!)).toBe(2);
    expect(w.committable(TOPIC, 0)).toBe(1);
    // a permanent failure: final only once the dead letter is acknowledged
    expect(w.settle(add, add.entries[0]!)).toBe(1);
    expect(w.settle(add, add.entries[0]!)).toBe(0);
    expect(w.committable(TOPIC, 0)).toBe(3);
    expect(w.complete(add)).toBe(true);
    expect(w.complete(remove)).toBe(true);
    expect(w.stats(5000)).toEqual({
      bufferedEntries: 0,
      inFlightBatches: 0,
      pendingOffsets: 0,
      oldestBufferedAgeMs: 0,
      oldestUncommittedAgeMs: 0,
    });
  });

  it('outcomes of a batch from an older generation never move the new one', () => {
    const w = make();
    w.onAssignment([P0]);
    w.add(event({ email: 'a@x' }), at(0), 0);
    const [old] = w.takeSendable(WINDOW, 10);
    w.onAssignment([P0]);
    expect(w.add(event({ email: 'a@x' }), at(0), 1500)).toBe('buffered');
    expect(w.settle(old!, old!.entries[0]!)).toBe(0);
    expect(w.committable(TOPIC, 0)).toBe(0);
    // its contact stays blocked until it completes
    expect(w.takeSendable(1e9, 10, true)).toEqual([]);
    w.complete(old!);
    const [fresh] = w.takeSendable(1e9, 10, true);
    expect(fresh!.generation).toBe(2);
    expect(w.settle(fresh!, fresh!.entries[0]!)).toBe(1);
    expect(w.committable(TOPIC, 0)).toBe(1);
  });

  it('reports buffered, in-flight and age figures, and the pause/resume marks', () => {
    const w = make();
    w.onAssignment([P0, P1]);
    w.add(event({ email: 'a@x' }), at(0), 100);
    w.add(event({ email: 'b@x', book: 2 }), at(0, 1), 300);
    w.add(event({ email: 'c@x', book: 3 }), at(1, 1), 300);
    expect(w.shouldPause()).toBe(true);
    expect(w.stats(1000)).toEqual({
      bufferedEntries: 3,
      inFlightBatches: 0,
      pendingOffsets: 3,
      oldestBufferedAgeMs: 900,
      oldestUncommittedAgeMs: 900,
    });
    expect(w.nextDueMs()).toBe(100 + WINDOW);
    const batches = w.takeSendable(1100, 10);
    expect(batches).toHaveLength(1);
    expect(w.shouldPause()).toBe(false);
    expect(w.shouldResume()).toBe(false);
    w.takeSendable(1300, 1);
    expect(w.shouldResume()).toBe(true);
    expect(w.stats(1300)).toMatchObject({
      bufferedEntries: 1,
      inFlightBatches: 2,
      oldestBufferedAgeMs: 1000,
      oldestUncommittedAgeMs: 1200,
    });
  });
});

describe('Windowing: the clock across rebalances', () => {
  it('a re-delivered record ages from its first consumption, across repeated rebalances', () => {
    const w = make();
    w.onAssignment([P0]);
    w.add(event({ email: 'a@x' }), at(0), 0);
    // rebalances every 600 ms, each re-delivering from the committed offset (0)
    for (let t = 600; t < 3000; t += 600) {
      w.onAssignment([P0]);
      expect(w.store.buffered).toBe(0);
      w.add(event({ email: 'a@x' }), at(0), t);
      expect(w.nextDueMs()).toBe(WINDOW);
    }
    const [batch] = w.takeSendable(3000, 10);
    expect(batch).toMatchObject({ openedAtMs: 0, reason: 'age', generation: 5 });
    expect(w.stats(3000).oldestUncommittedAgeMs).toBe(3000);
  });

  it('fresh records joining a re-delivered one are sent with it, early', () => {
    const w = make();
    w.onAssignment([P0]);
    w.add(event({ email: 'a@x' }), at(0), 0);
    w.onAssignment([P0]);
    w.add(event({ email: 'a@x' }), at(0), 700);
    expect(w.add(event({ email: 'b@x' }), at(1), 800)).toBe('buffered');
    expect(w.nextDueMs()).toBe(WINDOW);
    const [batch] = w.takeSendable(WINDOW, 10);
    expect(batch!.entries.map((e) => e.key).sort()).toEqual(['a@x', 'b@x']);
  });

  it('a partition that was away (another process had it) starts its clock afresh', () => {
    const w = make();
    w.onAssignment([P0]);
    w.add(event({ email: 'a@x' }), at(0), 0);
    w.onAssignment([P1]);
    w.onAssignment([P0, P1]);
    w.add(event({ email: 'a@x' }), at(0), 900);
    expect(w.nextDueMs()).toBe(900 + WINDOW);
  });
});
