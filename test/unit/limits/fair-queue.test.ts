import { describe, expect, it } from 'vitest';
import { FairQueue, type Waiter } from '../../../src/limits/fair-queue.js';

const waiter = (connectorId: string, n: number, deadlineMs = 1000): Waiter & { n: number } => ({
  n,
  connectorId,
  operation: 'add',
  deadlineMs,
  grant: () => undefined,
  fail: () => undefined,
});

describe('FairQueue', () => {
  it('serves connectors round-robin, each in FIFO order', () => {
    const q = new FairQueue();
    for (let i = 0; i < 4; i++) q.push(waiter('busy', i));
    q.push(waiter('quiet', 100));
    q.push(waiter('other', 200));
    const order: number[] = [];
    while (q.size > 0) order.push((q.shift() as Waiter & { n: number }).n);
    expect(order).toEqual([0, 100, 200, 1, 2, 3]);
  });

  it('a connector that arrives while another is served alone goes next', () => {
    const q = new FairQueue();
    for (let i = 0; i < 10; i++) q.push(waiter('busy', i));
    q.shift();
    q.shift();
    q.push(waiter('quiet', 100));
    expect((q.peek() as Waiter & { n: number }).n).toBe(100);
    expect((q.shift() as Waiter & { n: number }).n).toBe(100);
    expect((q.shift() as Waiter & { n: number }).n).toBe(2);
  });

  it('removes waiters (abort, timeout) and waiters matching a predicate', () => {
    const q = new FairQueue();
    const a = waiter('a', 1, 10);
    const b = waiter('a', 2, 500);
    const c = waiter('b', 3, 20);
    q.push(a);
    q.push(b);
    q.push(c);
    expect(q.remove(b)).toBe(true);
    expect(q.remove(b)).toBe(false);
    expect(q.removeWhere((w) => w.deadlineMs < 100)).toEqual([a, c]);
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
    expect(q.shift()).toBeUndefined();
  });
});
