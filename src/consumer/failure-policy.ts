/**
 * The one place that decides what happens to a batch whose send failed as a whole.
 *
 *  - Throttles (429, the 25-imports cap, the flat-rate cap, no token within the wait) are the
 *    account's state, not the batch's fault: retried until they pass, never dead-lettered, and
 *    they do not use up attempts. They wait at least until the reset DotDigital announced.
 *  - Shutdown abandons the batch: its offsets stay uncommitted and the next owner replays it.
 *  - Anything else (5xx, timeouts, invalid credentials, a deleted book, a rejected request) is
 *    retried with exponential back-off and full jitter up to `maxAttempts`, then every event of
 *    the batch is dead-lettered with the error's code. Bounded retries even for permanent codes:
 *    credentials may be rotated by a connectors-file reload, a book re-created, in the meantime.
 */
import type { SyncError } from '../errors.js';

export type Decision =
  | { readonly kind: 'retry'; readonly delayMs: number; readonly countsAsAttempt: boolean }
  | { readonly kind: 'dead-letter' }
  | { readonly kind: 'abandon' };

export interface FailurePolicyOptions {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly apiUsageBackoffMs: number;
  /** [0, 1); injectable for tests. */
  readonly random?: () => number;
}

const THROTTLES = new Set(['DD_RATE_LIMITED', 'DD_TOO_MANY_ACTIVE_IMPORTS', 'DD_APIUSAGE_EXCEEDED', 'RATE_LIMIT_WAIT_EXCEEDED']);

export class FailurePolicy {
  private readonly random: () => number;

  constructor(private readonly options: FailurePolicyOptions) {
    this.random = options.random ?? Math.random;
  }

  /** `attempts` = failed attempts so far that counted, this one included. */
  decide(error: SyncError, attempts: number, nowMs: number): Decision {
    if (error.code === 'SHUTTING_DOWN') return { kind: 'abandon' };
    const announced = error.retryAtMs === undefined ? 0 : Math.max(0, error.retryAtMs - nowMs);
    if (THROTTLES.has(error.code)) {
      const floor = error.code === 'DD_APIUSAGE_EXCEEDED' ? this.options.apiUsageBackoffMs : this.options.baseDelayMs;
      // A little jitter on top of the announced reset so that replicas do not all return at once.
      return { kind: 'retry', delayMs: Math.max(announced, floor) + Math.floor(this.random() * this.options.baseDelayMs), countsAsAttempt: false };
    }
    if (attempts >= this.options.maxAttempts) return { kind: 'dead-letter' };
    return { kind: 'retry', delayMs: Math.max(announced, this.backoff(attempts)), countsAsAttempt: true };
  }

  /** Full jitter: uniform in [0, min(max, base·2^(n-1))], never below 1/4 of it so retries do not bunch at 0. */
  backoff(attempt: number): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.floor(ceiling / 4 + this.random() * (ceiling * 3) / 4);
  }
}
