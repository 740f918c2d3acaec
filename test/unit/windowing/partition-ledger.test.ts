import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PartitionLedger } from '../../../src/windowing/partition-ledger.js';

describe('PartitionLedger', () => {
  it('commits nothing before the first record', () => {
    const l = new PartitionLedger();
    expect(l.committable()).toBeUndefined();
    expect(l.oldestPendingSeenMs()).toBeUndefined();
    expect(l.markFinal(0)).toBe(false);
  });

  it('commits up to the lowest pending offset, else last seen + 1', () => {
    const l = new PartitionLedger();
    for (let o = 10; o < 15; o++) l.seen(o, 1000 + o);
    expect(l.committable()).toBe(10);
    expect(l.markFinal(12)).toBe(true);
    expect(l.markFinal(11)).toBe(true);
    expect(l.committable()).toBe(10);
    expect(l.oldestPendingSeenMs()).toBe(1010);
    expect(l.markFinal(10)).toBe(true);
    expect(l.committable()).toBe(13);
    expect(l.oldestPendingSeenMs()).toBe(1013);
    expect(l.markFinal(13)).toBe(true);
    expect(l.markFinal(14)).toBe(true);
    expect(l.committable()).toBe(15);
    expect(l.pending).toBe(0);
    expect(l.oldestPendingSeenMs()).toBeUndefined();
  });

  it('ignores outcomes for offsets it does not hold or holds final already', () => {
    const l = new PartitionLedger();
    l.seen(5, 0);
    l.seen(6, 0);
    expect(l.markFinal(4)).toBe(false);
    expect(l.markFinal(7)).toBe(false);
    expect(l.markFinal(6)).toBe(true);
    expect(l.markFinal(6)).toBe(false);
    expect(l.pending).toBe(1);
    expect(l.committable()).toBe(5);
  });

  it('drops an offset seen again in the same generation', () => {
    const l = new PartitionLedger();
    expect(l.seen(3, 100)).toBe(100);
    expect(l.seen(3, 200)).toBe(-1);
    expect(l.seen(2, 200)).toBe(-1);
    expect(l.pending).toBe(1);
  });

  it('handles gaps in offsets (compaction, transaction markers)', () => {
    const l = new PartitionLedger();
    for (const o of [0, 2, 3, 7, 100, 101]) l.seen(o, o);
    expect(l.markFinal(1)).toBe(false);
    expect(l.markFinal(50)).toBe(false);
    expect(l.markFinal(7)).toBe(true);
    expect(l.markFinal(100)).toBe(true);
    expect(l.markFinal(0)).toBe(true);
    expect(l.committable()).toBe(2);
    expect(l.markFinal(3)).toBe(true);
    expect(l.markFinal(2)).toBe(true);
    expect(l.committable()).toBe(101);
    expect(l.markFinal(101)).toBe(true);
    expect(l.committable()).toBe(102);
  });

  it('grows past its initial capacity while the ring has wrapped', () => {
    const l = new PartitionLedger();
    for (let o = 0; o < 200; o++) l.seen(o, o);
    for (let o = 1; o < 200; o++) l.markFinal(o);
    expect(l.markFinal(0)).toBe(true);
    // head is now mid-ring; push far more than the capacity while the head stays pending
    for (let o = 200; o < 2000; o++) l.seen(o, o);
    for (let o = 1999; o > 200; o--) expect(l.markFinal(o)).toBe(true);
    expect(l.committable()).toBe(200);
    expect(l.markFinal(200)).toBe(true);
    expect(l.committable()).toBe(2000);
  });

  it('carries first-seen times over to the next generation, across several of them', () => {
    const first = new PartitionLedger();
    for (let o = 0; o < 6; o++) first.seen(o, 1000 + o);
    first.markFinal(0);
    first.markFinal(2);
    const history = first.carryOver();
    expect(Array.from(history!.offsets)).toEqual([1, 2, 3, 4, 5]);

    const second = new PartitionLedger(history);
    expect(second.seen(1, 5000)).toBe(1001);
    expect(second.seen(2, 5000)).toBe(1002);
    // rebalance again before 3..5 were re-consumed: their times must survive
    const third = new PartitionLedger(second.carryOver());
    expect(third.seen(1, 9000)).toBe(1001);
    expect(third.seen(4, 9000)).toBe(1004);
    expect(third.seen(5, 9000)).toBe(1005);
    expect(third.seen(6, 9000)).toBe(9000);
  });

  it('uses the current time for re-delivered offsets it never saw, and never a later time', () => {
    const l = new PartitionLedger({
      offsets: Float64Array.from([10, 11]),
      seenAtMs: Float64Array.from([500, 9999]),
    });
    expect(l.seen(8, 700)).toBe(700);
    expect(l.seen(10, 700)).toBe(500);
    expect(l.seen(11, 700)).toBe(700);
    expect(l.seen(12, 800)).toBe(800);
    expect(
      new PartitionLedger({ offsets: new Float64Array(0), seenAtMs: new Float64Array(0) }).seen(0, 1),
    ).toBe(1);
    expect(new PartitionLedger().carryOver()).toBeNull();
  });

  it('never lets committable pass a pending offset (random offsets and outcomes)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        (gaps, picks) => {
          const l = new PartitionLedger();
          const offsets: number[] = [];
          let o = 0;
          for (const g of gaps) offsets.push((o += g));
          for (const x of offsets) l.seen(x, x);
          const pending = new Set(offsets);
          for (const p of picks) {
            const x = offsets[p % offsets.length]!;
            expect(l.markFinal(x)).toBe(pending.delete(x));
            const lowest = Math.min(...pending);
            expect(l.committable()).toBe(pending.size > 0 ? lowest : offsets.at(-1)! + 1);
            expect(l.pending).toBe(pending.size);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
