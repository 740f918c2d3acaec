import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, countedBuckets, decide } from '../../../src/limits/window.js';
import { maxInSlidingWindow } from './sliding.js';

describe('sliding window arithmetic', () => {
  it('counts the sub-windows j-k-1 to j+1', () => {
    expect(countedBuckets(10, 3)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(bucketOf(1999, 100)).toBe(19);
    expect(bucketOf(2000, 100)).toBe(20);
  });

  it('grants within the limit and names the time enough old sub-windows leave', () => {
    expect(decide([1, 1, 1, 0], 3, 10, 100)).toEqual({ granted: true });
    // 5 counted with our own point, limit 3: dropping buckets 0 and 1 leaves 4-2 = 2 <= 2.
    expect(decide([1, 1, 2, 1], 3, 10, 100)).toEqual({ granted: false, retryAtMs: 1200 });
    // Our own point is in the second to last bucket: when its bucket leaves, only the others in it count.
    expect(decide([0, 0, 3, 1], 3, 10, 100)).toEqual({ granted: false, retryAtMs: 1300 });
    expect(decide([0, 0, 1, 3], 3, 10, 100)).toEqual({ granted: false, retryAtMs: 1400 });
  });

  it('the counter used by the helper finds the densest window', () => {
    expect(maxInSlidingWindow([0, 10, 999, 1000, 1001], 1000)).toBe(4);
    expect(maxInSlidingWindow([], 1000)).toBe(0);
  });

  /**
   * A model of replicas sharing one store: an attempt reads the clock at `start` (its
   * sub-window), its add reaches the store some time later, its read (and decision) later
   * still, all within one sub-window, interleaved in store order with other attempts.
   * Whatever the interleaving, no W-long window of grant times holds more than the limit.
   */
  const windowMs = 1000;
  const k = 10;
  const bucketMs = windowMs / k;
  type Attempt = { start: number; toAdd: number; toRead: number };
  const simulate = (attempts: readonly Attempt[], limit: number): number[] => {
    type Ev = { at: number; kind: 'add' | 'read'; id: number };
    const events: Ev[] = attempts.flatMap((a, id) => [
      { at: a.start + a.toAdd, kind: 'add' as const, id },
      { at: a.start + a.toAdd + a.toRead, kind: 'read' as const, id },
    ]);
    events.sort((x, y) => x.at - y.at || (x.kind === y.kind ? 0 : x.kind === 'add' ? -1 : 1));
    const counts = new Map<number, number>();
    const grants: number[] = [];
    for (const ev of events) {
      const a = attempts[ev.id]!;
      const j = bucketOf(a.start, bucketMs);
      if (ev.kind === 'add') {
        counts.set(j, (counts.get(j) ?? 0) + 1);
        continue;
      }
      const d = decide(countedBuckets(j, k).map((b) => counts.get(b) ?? 0), limit, j, bucketMs);
      if (d.granted) grants.push(ev.at);
      else counts.set(j, counts.get(j)! - 1);
    }
    return grants;
  };

  it('sees a grant that resolved late in an old sub-window (lower margin)', () => {
    const grants = simulate([{ start: 2000, toAdd: 45, toRead: 0 }, { start: 952, toAdd: 49, toRead: 45 }], 1);
    expect(maxInSlidingWindow(grants, windowMs)).toBe(1);
  });

  it('sees a replica that started in the next sub-window but reached the store first (upper margin)', () => {
    const grants = simulate([{ start: 99, toAdd: 49, toRead: 0 }, { start: 100, toAdd: 0, toRead: 0 }], 1);
    expect(grants).toHaveLength(1);
  });

  it('no W-long window of grants exceeds the limit under any interleaving of attempts', () => {
    // Dense attempts and delays up to a whole sub-window: where the margins matter.
    const delay = fc.oneof(fc.integer({ min: 0, max: bucketMs / 2 - 1 }), fc.integer({ min: bucketMs / 2 - 5, max: bucketMs / 2 - 1 }));
    const attempt = fc.record({ start: fc.integer({ min: 0, max: 2500 }), toAdd: delay, toRead: delay });
    fc.assert(
      fc.property(fc.array(attempt, { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 6 }), (attempts, limit) => {
        expect(maxInSlidingWindow(simulate(attempts, limit), windowMs)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 500 },
    );
  });

  it('a waiter that retries at the named time is granted (the wait is not too short to help)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 13, maxLength: 13 }), fc.integer({ min: 1, max: 20 }), (counts, limit) => {
        const j = 100;
        const own = [...counts];
        own[11] = own[11]! + 1;
        const d = decide(own, limit, j, 100);
        if (d.granted) return;
        // At retryAtMs the attempt is in sub-window j2 and counts from j2-k-1 = old index `dropped`.
        const j2 = bucketOf(d.retryAtMs, 100);
        const dropped = j2 - j;
        const later = counts.slice(dropped).concat(new Array<number>(dropped).fill(0));
        later[11] = later[11]! + 1;
        expect(decide(later, limit, j2, 100).granted).toBe(true);
      }),
    );
  });
});
