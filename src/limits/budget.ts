/**
 * One budget (account × scope) in this process: its fair queue and the single loop (the
 * "pump") that takes tokens for it. Fairness has two levels: inside a process the round-robin
 * queue decides which connector gets the token; across processes the pumps take turns in the
 * shared store, the one served longest ago first (take.ts), so a process whose connectors
 * have a thousand waiters gets no more turns than one whose connector has a single waiter.
 * Between attempts the loop sleeps until the time the store named plus a random jitter, so
 * replicas that wait for the same token do not all ask at once.
 */
import { randomUUID } from 'node:crypto';
import { SyncError } from '../errors.js';
import type { OperationClass } from '../sink/rate-limit.js';
import { FairQueue, type Waiter } from './fair-queue.js';
import type { Decision } from './window.js';

export interface BudgetDeps {
  readonly attempt: (operation: OperationClass, turn: { pump: string; lastServedMs: number }) => Promise<Decision>;
  /** The loop has nobody waiting any more (it stops taking turns with other processes). */
  readonly idle: (pump: string) => void;
  readonly now: () => number;
  readonly jitterMs: () => number;
  readonly retryOnErrorMs: number;
  readonly onError: (err: unknown) => void;
  readonly onWaitExceeded: (waiter: Waiter) => void;
  /** Aborted when the limiter closes. */
  readonly closing: AbortSignal;
}

export class Budget {
  readonly queue = new FairQueue();
  private running = false;
  /** Names this process's loop among the other processes' loops for the same budget. */
  private readonly pumpId = randomUUID();
  private lastServedMs = 0;

  constructor(
    readonly account: string,
    readonly scope: string,
    private readonly deps: BudgetDeps,
  ) {}

  enqueue(waiter: Waiter): void {
    this.queue.push(waiter);
    if (!this.running) void this.pump();
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.size > 0 && !this.deps.closing.aborted) {
        const head = this.queue.peek();
        if (!head) break;
        let decision: Decision;
        try {
          decision = await this.deps.attempt(head.operation, { pump: this.pumpId, lastServedMs: this.lastServedMs });
        } catch (err) {
          this.deps.onError(err);
          decision = { granted: false, retryAtMs: this.deps.now() + this.deps.retryOnErrorMs };
        }
        if (decision.granted) {
          // The head may have given up during the attempt: the token goes to the next in turn.
          this.lastServedMs = this.deps.now();
          this.queue.shift()?.grant();
          continue;
        }
        if (decision.certain === true) this.failHopeless(decision.retryAtMs);
        if (this.queue.size === 0) break;
        await sleep(Math.max(0, decision.retryAtMs - this.deps.now()) + this.deps.jitterMs(), this.deps.closing);
      }
    } finally {
      this.running = false;
      this.deps.idle(this.pumpId);
    }
  }

  /** During a cool-down, waiters whose deadline comes before its end fail now, with the retry time. */
  private failHopeless(retryAtMs: number): void {
    for (const waiter of this.queue.removeWhere((w) => w.deadlineMs < retryAtMs)) {
      this.deps.onWaitExceeded(waiter);
      waiter.fail(waitExceeded(retryAtMs));
    }
  }
}

export function waitExceeded(retryAtMs?: number): SyncError {
  return new SyncError(
    'RATE_LIMIT_WAIT_EXCEEDED',
    'No rate-limit token became free within the maximum wait',
    retryAtMs === undefined ? {} : { retryAtMs },
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
