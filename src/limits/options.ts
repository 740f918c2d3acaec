/**
 * Options of the account limiter: plain typed values (the service maps its config onto them),
 * resolved once into a frozen object with every default filled in and every bound checked.
 */
import type { Redis } from 'ioredis';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { OPERATION_CLASSES, type OperationClass } from '../sink/rate-limit.js';

/** The product's defaults (add, remove) and the service's defaults for the other classes. */
export const DEFAULT_PER_MINUTE: Readonly<Record<OperationClass, number>> = Object.freeze({
  add: 75,
  remove: 35,
  lookup: 300,
  poll: 600,
  admin: 60,
});

export type RedisOption =
  /** A client the caller owns (closed by the caller); it should have enableOfflineQueue: false. */
  | { readonly client: Redis }
  /** The limiter builds, owns and closes its client. */
  | { readonly url: string; readonly password?: string };

export interface AccountLimiterOptions {
  readonly redis: RedisOption;
  /** Prefix of every Redis key (e.g. 'dds:'). */
  readonly keyPrefix: string;
  /** Redis command timeout; past it the call counts as an outage and the fallback takes over. */
  readonly commandTimeoutMs?: number;
  /** Default budgets per window (a minute unless windowMs is scaled), per operation class. */
  readonly perMinute?: Partial<Record<OperationClass, number>>;
  /** The limit window: 60000 for DotDigital; tests scale it down with the sandbox's limitWindowMs. */
  readonly windowMs?: number;
  /** Sub-windows per window: the budget is counted over these (see account-limiter.ts). */
  readonly subWindows?: number;
  /**
   * At most spreadFactor × limit ÷ subWindows grants (rounded up) per sub-window, so that a
   * window's budget is spent over a part of it rather than at one instant (smoother traffic,
   * shorter waits for a turn). Off (0) by default: when the last call of DotDigital's window
   * comes late in it, X-RateLimit-Remaining: 0 cools the account down until a reset that the
   * header rounds up to whole seconds, which costs budget (little per minute, much in the
   * scaled-down windows of the tests).
   */
  readonly spreadFactor?: number;
  /** Longest wait for a token before SyncError RATE_LIMIT_WAIT_EXCEEDED. */
  readonly maxWaitMs?: number;
  /** Most waiters held per process; past it acquire fails at once (no unbounded queue). */
  readonly maxWaiters?: number;
  /** Replicas sharing an account: during a Redis outage each process allows limit / this. */
  readonly expectedReplicas?: number;
  /** Random delay added to every retry so that replicas do not stampede when tokens free up. */
  readonly jitterMs?: number;
  /** How old the local copy of the learnt limits may get before it is read again from Redis. */
  readonly learnRefreshMs?: number;
  /** Interval of the Redis probe while the fallback is active. */
  readonly probeIntervalMs?: number;
  /** How often the offset between this host's clock and Redis's clock is measured again. */
  readonly clockSyncMs?: number;
  /** Cool-down after a flat-rate cap (ERROR_APIUSAGE_EXCEEDED) that names no reset time. */
  readonly flatRateWindowMs?: number;
  /** Limits a connector's configuration sets for its account (connectors file `limits`). */
  readonly connectorLimits?: (connectorId: string) => Partial<Record<OperationClass, number>> | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Injectable for unit tests (epoch ms). */
  readonly now?: () => number;
  /** Injectable for unit tests ([0, 1)). */
  readonly random?: () => number;
}

export interface ResolvedLimiterOptions {
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  readonly perWindow: Readonly<Record<OperationClass, number>>;
  readonly windowMs: number;
  readonly subWindows: number;
  /** windowMs / subWindows. */
  readonly bucketMs: number;
  readonly spreadFactor: number;
  readonly maxWaitMs: number;
  readonly maxWaiters: number;
  readonly expectedReplicas: number;
  readonly jitterMs: number;
  readonly learnRefreshMs: number;
  readonly probeIntervalMs: number;
  readonly clockSyncMs: number;
  readonly flatRateWindowMs: number;
  readonly connectorLimits: (connectorId: string) => Partial<Record<OperationClass, number>> | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => number;
  readonly random: () => number;
}

export function resolveLimiterOptions(options: Omit<AccountLimiterOptions, 'redis'>): ResolvedLimiterOptions {
  const problems: string[] = [];
  const int = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min) problems.push(`${name} must be an integer >= ${min} (got ${v})`);
    return v;
  };
  const perWindow = {} as Record<OperationClass, number>;
  for (const op of OPERATION_CLASSES) {
    perWindow[op] = int(`perMinute.${op}`, options.perMinute?.[op], DEFAULT_PER_MINUTE[op], 1);
  }
  const windowMs = int('windowMs', options.windowMs, 60_000, 100);
  const subWindows = int('subWindows', options.subWindows, 60, 1);
  const resolved: ResolvedLimiterOptions = {
    keyPrefix: options.keyPrefix,
    commandTimeoutMs: int('commandTimeoutMs', options.commandTimeoutMs, 500, 1),
    perWindow: Object.freeze(perWindow),
    windowMs,
    subWindows,
    bucketMs: windowMs / subWindows,
    spreadFactor: int('spreadFactor', options.spreadFactor, 0, 0),
    maxWaitMs: int('maxWaitMs', options.maxWaitMs, 300_000, 0),
    maxWaiters: int('maxWaiters', options.maxWaiters, 10_000, 1),
    expectedReplicas: int('expectedReplicas', options.expectedReplicas, 3, 1),
    jitterMs: int('jitterMs', options.jitterMs, Math.round(windowMs / 240), 0),
    learnRefreshMs: int('learnRefreshMs', options.learnRefreshMs, 2_000, 1),
    probeIntervalMs: int('probeIntervalMs', options.probeIntervalMs, 1_000, 1),
    clockSyncMs: int('clockSyncMs', options.clockSyncMs, 30_000, 1),
    flatRateWindowMs: int('flatRateWindowMs', options.flatRateWindowMs, 3_600_000, 1),
    connectorLimits: options.connectorLimits ?? (() => undefined),
    metrics: options.metrics,
    logger: options.logger,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
  if (windowMs / subWindows < 10) problems.push(`windowMs / subWindows must be at least 10 ms (got ${windowMs / subWindows})`);
  if (problems.length > 0) throw new ConfigError(problems, 'rate limiter options');
  return Object.freeze(resolved);
}
