import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DueQueue, type Queued } from '../../../src/windowing/due-queue.js';

const item = (dueAtMs: number, seq: number): Queued => ({ dueAtMs, seq, heapIndex: -1 });

describe('DueQueue', () => {
  it('pops earliest due first, then creation order', () => {
    const q = new DueQueue<Queued>();
    const items = [item(5, 1), item(3, 2), item(5, 0), item(9, 3)];
    for (const i of items) q.push(i);
    expect(q.size).toBe(4);
    expect([q.pop(), q.pop(), q.pop(), q.pop()].map((i) => i?.seq)).toEqual([2, 0, 1, 3]);
    expect(q.pop()).toBeUndefined();
    expect(items.every((i) => i.heapIndex === -1)).toBe(true);
  });

  it('moves an item up when it becomes due earlier, and removes any item', () => {
    const q = new DueQueue<Queued>();
    const a = item(10, 1);
    const b = item(20, 2);
    const c = item(30, 3);
    q.push(a);
    q.push(b);
    q.push(c);
    c.dueAtMs = 1;
    q.moved(c);
    expect(q.peek()).toBe(c);
    q.remove(a);
    q.remove(a);
    expect(q.items()).toHaveLength(2);
    expect([q.pop(), q.pop()]).toEqual([c, b]);
    q.moved(a);
    q.push(a);
    q.clear();
    expect(q.size).toBe(0);
    expect(a.heapIndex).toBe(-1);
  });

  it('keeps heap order under any mix of pushes, removals and moves', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.nat(), fc.integer({ min: 0, max: 2 })), {
          maxLength: 80,
        }),
        (ops) => {
          const q = new DueQueue<Queued>();
          const live: Queued[] = [];
          let seq = 0;
          for (const [due, pick, op] of ops) {
            if (op === 0 || live.length === 0) {
              const i = item(due, seq++);
              q.push(i);
              live.push(i);
            } else if (op === 1) {
              const i = live.splice(pick % live.length, 1)[0]!;
              q.remove(i);
            } else {
              const i = live[pick % live.length]!;
              i.dueAtMs = Math.min(i.dueAtMs, due);
              q.moved(i);
            }
          }
          const expected = [...live].sort((x, y) => x.dueAtMs - y.dueAtMs || x.seq - y.seq);
          const popped: Queued[] = [];
          for (let i = q.pop(); i !== undefined; i = q.pop()) popped.push(i);
          expect(popped).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
