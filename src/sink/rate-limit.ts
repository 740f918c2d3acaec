/**
 * The rate-limit hooks of the DotDigital client. The client awaits the gate before every call
 * and reports every answer's rate-limit headers (and every 429) to the observer. src/limits
 * implements both against Redis; the no-op defaults let the client run alone.
 */
export type OperationClass = 'add' | 'remove' | 'lookup' | 'poll' | 'admin';
export const OPERATION_CLASSES: readonly OperationClass[] = ['add', 'remove', 'lookup', 'poll', 'admin'];

export interface RateLimitContext {
  readonly connectorId: string;
  /** DotDigital account id; undefined only for the account-info call that discovers it. */
  readonly accountId: string | undefined;
  readonly operation: OperationClass;
}

export interface RateLimitGate {
  /** Resolves when the call may go; rejects with SyncError RATE_LIMIT_WAIT_EXCEEDED or on abort. */
  acquire(ctx: RateLimitContext, signal?: AbortSignal): Promise<void>;
}

export interface RateLimitFeedback {
  readonly ctx: RateLimitContext;
  readonly status: number;
  /** X-RateLimit-Scope, else the operation class. */
  readonly scope: string;
  readonly limit: number | undefined;
  readonly remaining: number | undefined;
  /** X-RateLimit-Reset as epoch ms (delta seconds, or epoch seconds when above 1e9). */
  readonly resetAtMs: number | undefined;
  /** True for a 400 ERROR_APIUSAGE_EXCEEDED (the flat-rate hourly cap). */
  readonly flatRateCap: boolean;
}

export interface RateLimitObserver {
  observe(feedback: RateLimitFeedback): void;
}

export const noopGate: RateLimitGate = { acquire: () => Promise.resolve() };
export const noopObserver: RateLimitObserver = { observe: () => undefined };
