import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateBackfill, formatEstimate, humanMinutes, lagOf, measuredShares, SampleTally, type EstimateInput } from '../../../src/commands/backfill-plan.js';

const base: EstimateInput = {
  events: 100_000,
  addShare: 0.8,
  lookupShare: 0.5,
  batchSize: 1000,
  pollsPerJob: 3,
  perMinute: { add: 75, remove: 35, lookup: 300, poll: 600 },
};

const calls = (input: EstimateInput) => Object.fromEntries(estimateBackfill(input).classes.map((c) => [c.operation, c.calls]));

describe('lagOf', () => {
  const offsets = [
    { partition: 0, committed: 40, low: 0, high: 100 },
    { partition: 1, committed: -1, low: 10, high: 50 },
    { partition: 2, committed: 80, low: 0, high: 70 },
    { partition: 3, committed: 5, low: 20, high: 30 },
  ];
  it('sums high − committed; an uncommitted partition counts from low or not at all; deleted records do not count', () => {
    expect(lagOf(offsets, true)).toBe(60 + 40 + 10);
    expect(lagOf(offsets, false)).toBe(60 + 10);
    expect(lagOf([], true)).toBe(0);
  });
});

describe('estimateBackfill', () => {
  it('100k events, 80% adds: batches, calls per class and the slowest class as ETA', () => {
    const e = estimateBackfill(base);
    expect([e.adds, e.removes, e.addBatches, e.removeBatches]).toEqual([80_000, 20_000, 80, 20]);
    expect(calls(base)).toEqual({ add: 80, remove: 20, lookup: 10_000, poll: 300 });
    expect(e.calls).toBe(10_400);
    // look-ups: 10000 / 300 = 33.3 min, slower than 80/75, 20/35, 300/600.
    expect(e.etaMinutes).toBeCloseTo(10_000 / 300);
    expect(e.etaSerialMinutes).toBeCloseTo(80 / 75 + 20 / 35 + 10_000 / 300 + 300 / 600);
  });

  it('partial batches round up; no events, no calls', () => {
    expect(calls({ ...base, events: 1001, addShare: 1 })).toEqual({ add: 2, remove: 0, lookup: 0, poll: 6 });
    const none = estimateBackfill({ ...base, events: 0 });
    expect([none.calls, none.etaMinutes, none.etaSerialMinutes]).toEqual([0, 0, 0]);
  });

  it('needs a batch per (connector, book) seen, but never more batches than events', () => {
    const e = estimateBackfill({ ...base, events: 500, addShare: 1, minBatches: { add: 7, remove: 3 } });
    expect([e.addBatches, e.removeBatches]).toEqual([7, 0]);
    expect(estimateBackfill({ ...base, events: 4, addShare: 1, minBatches: { add: 7, remove: 0 } }).addBatches).toBe(4);
  });

  it('the add limit decides an all-adds backlog', () => {
    const e = estimateBackfill({ ...base, events: 750_000, addShare: 1, pollsPerJob: 0 });
    expect(e.etaMinutes).toBe(10);
    expect(e.classes.find((c) => c.operation === 'add')).toEqual({ operation: 'add', calls: 750, perMinute: 75, minutes: 10 });
  });

  it('rejects a batch size below 1', () => {
    expect(() => estimateBackfill({ ...base, batchSize: 0 })).toThrow(RangeError);
  });

  it('more events never take less time, and the ETA lies between the slowest class and the sum', () => {
    fc.assert(
      fc.property(fc.nat(5_000_000), fc.nat(5_000_000), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 10_000 }), (a, b, addShare, lookupShare, batchSize) => {
        const small = estimateBackfill({ ...base, events: Math.min(a, b), addShare, lookupShare, batchSize });
        const large = estimateBackfill({ ...base, events: Math.max(a, b), addShare, lookupShare, batchSize });
        expect(large.etaMinutes).toBeGreaterThanOrEqual(small.etaMinutes);
        expect(large.etaSerialMinutes).toBeGreaterThanOrEqual(large.etaMinutes - 1e-9);
        expect(large.adds + large.removes).toBe(Math.max(a, b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatting', () => {
  it('human durations', () => {
    expect(humanMinutes(0)).toBe('0s');
    expect(humanMinutes(0.75)).toBe('45s');
    expect(humanMinutes(12.5)).toBe('12m 30s');
    expect(humanMinutes(185)).toBe('3h 05m');
    expect(humanMinutes(3 * 1440 + 61)).toBe('3d 1h');
  });

  it('the table names the group, each class and both ETAs', () => {
    const lines = formatEstimate(estimateBackfill(base), base, { group: 'g', lag: 100_500, topics: ['t'], addShareSource: 'measured', lookupShareSource: 'measured' });
    expect(lines[0]).toBe('backfill estimate for group g on t');
    expect(lines[1]).toContain('100500; 100000 to send');
    expect(lines.find((l) => l.startsWith('lookup'))).toMatch(/^lookup\s+10000\s+300\s+33m 20s/);
    expect(lines.at(-1)).toBe('ETA 33m 20s (each class at its own limit, side by side); 35m 29s if DotDigital counts them in one scope');
  });
});

describe('sampling', () => {
  const ev = (action: 'ADD' | 'REMOVE', book: number, contactId: number | null = null) => ({ connectorId: 'c', addressBookId: book, action, profile: { profileId: 'p', email: 'e', contactId, mobileNumber: null } });

  it('counts adds, removes, look-ups needed, distinct books and rejects', () => {
    const t = new SampleTally();
    for (const e of [ev('ADD', 1), ev('ADD', 2), ev('ADD', 1), ev('REMOVE', 1, 5), ev('REMOVE', 1), null]) t.add(e);
    const s = t.stats();
    expect(s).toEqual({ records: 6, rejected: 1, adds: 3, removes: 2, removesWithoutContactId: 1, addKeys: 2, removeKeys: 1 });
    expect(measuredShares(s)).toEqual({ sentShare: 5 / 6, addShare: 0.6, lookupShare: 0.5, minBatches: { add: 2, remove: 1 } });
  });

  it('an empty sample measures nothing', () => {
    expect(measuredShares(new SampleTally().stats())).toEqual({ sentShare: undefined, addShare: undefined, lookupShare: undefined, minBatches: { add: 0, remove: 0 } });
  });
});
