import { describe, expect, it } from 'vitest';
import { OffsetLedger } from '../../../src/windowing/offset-ledger.js';
import { at, P0, P1, TOPIC } from './helpers.js';

describe('OffsetLedger', () => {
  it('tracks only partitions of the current assignment', () => {
    const l = new OffsetLedger();
    expect(l.generation).toBe(0);
    expect(l.seen(at(0), 1)).toBe(-1);
    expect(l.assign([P0, P1, { topic: 'other', partition: 0 }])).toBe(1);
    expect(l.assigned()).toEqual([P0, P1, { topic: 'other', partition: 0 }]);
    expect(l.owns(TOPIC, 1)).toBe(true);
    expect(l.owns(TOPIC, 2)).toBe(false);
    expect(l.seen(at(0, 2), 1)).toBe(-1);
    expect(l.committable(TOPIC, 2)).toBeUndefined();
    expect(l.committable(TOPIC, 0)).toBeUndefined();
  });

  it('marks offsets final per partition, for the current generation only', () => {
    const l = new OffsetLedger();
    const g1 = l.assign([P0, P1]);
    l.seen(at(0), 10);
    l.seen(at(1), 11);
    l.seen(at(7, 1), 12);
    expect(l.pendingCount()).toBe(3);
    expect(l.markFinal(at(0), g1)).toBe(true);
    expect(l.markFinal(at(0), g1)).toBe(false);
    expect(l.markFinal(at(7, 1), g1 + 1)).toBe(false);
    expect(l.committable(TOPIC, 0)).toBe(1);
    expect(l.committable(TOPIC, 1)).toBe(7);
    expect(l.oldestPendingSeenMs()).toBe(11);
    expect(l.markFinal(at(9, 3), g1)).toBe(false);
  });

  it('starts afresh on a new generation: old outcomes ignored, revoked partitions forgotten', () => {
    const l = new OffsetLedger();
    const g1 = l.assign([P0, P1]);
    l.seen(at(5), 100);
    l.seen(at(6), 101);
    l.seen(at(3, 1), 102);
    const g2 = l.assign([P0]);
    expect(g2).toBe(g1 + 1);
    expect(l.owns(TOPIC, 1)).toBe(false);
    expect(l.committable(TOPIC, 1)).toBeUndefined();
    expect(l.committable(TOPIC, 0)).toBeUndefined();
    expect(l.pendingCount()).toBe(0);
    expect(l.oldestPendingSeenMs()).toBeUndefined();
    // re-delivered from the committed offset: first-seen times come back
    expect(l.seen(at(5), 900)).toBe(100);
    expect(l.markFinal(at(5), g1)).toBe(false);
    expect(l.committable(TOPIC, 0)).toBe(5);
    expect(l.markFinal(at(5), g2)).toBe(true);
    expect(l.committable(TOPIC, 0)).toBe(6);
    // a partition revoked then assigned back starts with no memory
    l.assign([P0, P1]);
    expect(l.seen(at(3, 1), 950)).toBe(950);
  });
});
