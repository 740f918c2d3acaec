/**
 * Waiters for one budget in this process, served round-robin by connector: each connector
 * keeps its own FIFO, and a connector that was just served goes to the back of the round, so
 * a connector with a thousand waiters and one with a single waiter alternate.
 */
import type { OperationClass } from '../sink/rate-limit.js';

export interface Waiter {
  readonly connectorId: string;
  readonly operation: OperationClass;
  readonly deadlineMs: number;
  /** Settles the acquire() promise (once; later calls are ignored). */
  grant(): void;
  fail(error: unknown): void;
}

export class FairQueue {
  /** Map order is the round: the first connector is served next. */
  private readonly byConnector = new Map<string, Waiter[]>();
  private count = 0;
  /** A connector served last waits behind any connector that arrived while it was alone. */
  private lastServed: string | undefined;

  get size(): number {
    return this.count;
  }

  push(waiter: Waiter): void {
    const list = this.byConnector.get(waiter.connectorId);
    if (list) list.push(waiter);
    else this.byConnector.set(waiter.connectorId, [waiter]);
    this.count++;
  }

  peek(): Waiter | undefined {
    this.rotate();
    for (const list of this.byConnector.values()) return list[0];
    return undefined;
  }

  /** Takes the next waiter and sends its connector to the back of the round. */
  shift(): Waiter | undefined {
    this.rotate();
    for (const [connectorId, list] of this.byConnector) {
      const waiter = list.shift();
      this.byConnector.delete(connectorId);
      if (list.length > 0) this.byConnector.set(connectorId, list);
      if (waiter) this.count--;
      this.lastServed = connectorId;
      return waiter;
    }
    return undefined;
  }

  remove(waiter: Waiter): boolean {
    const list = this.byConnector.get(waiter.connectorId);
    const index = list?.indexOf(waiter) ?? -1;
    if (!list || index < 0) return false;
    list.splice(index, 1);
    if (list.length === 0) this.byConnector.delete(waiter.connectorId);
    this.count--;
    return true;
  }

  private rotate(): void {
    const first = this.byConnector.keys().next();
    if (first.done === true || first.value !== this.lastServed || this.byConnector.size < 2) return;
    const list = this.byConnector.get(first.value);
    this.byConnector.delete(first.value);
    if (list) this.byConnector.set(first.value, list);
    this.lastServed = undefined;
  }

  /** Removes and returns every waiter matching the predicate. */
  removeWhere(predicate: (waiter: Waiter) => boolean): Waiter[] {
    const removed: Waiter[] = [];
    for (const list of this.byConnector.values()) for (const w of list) if (predicate(w)) removed.push(w);
    for (const w of removed) this.remove(w);
    return removed;
  }
}
