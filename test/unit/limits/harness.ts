import { vi } from 'vitest';
import { buildAccountLimiter, counterTtlMs, type AccountLimiter } from '../../../src/limits/account-limiter.js';
import { MemoryStore } from '../../../src/limits/memory-store.js';
import { resolveLimiterOptions, type AccountLimiterOptions, type ResolvedLimiterOptions } from '../../../src/limits/options.js';
import type { LimiterStore, StoreSnapshot, TurnRequest } from '../../../src/limits/store.js';
import { silentLogger } from '../../../src/logger.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';
import type { OperationClass, RateLimitContext, RateLimitFeedback } from '../../../src/sink/rate-limit.js';

/** Stands in for Redis in unit tests: a MemoryStore shared by several limiters, that can go down. */
export class FlakyStore implements LimiterStore {
  down = false;
  constructor(readonly inner: MemoryStore) {}
  private async up<T>(fn: () => Promise<T>): Promise<T> {
    await Promise.resolve();
    if (this.down) throw new Error('connect ECONNREFUSED');
    return fn();
  }
  add(key: string, points: number): Promise<void> {
    return this.up(() => this.inner.add(key, points));
  }
  read(keys: readonly string[], cooldownKey: string, members: readonly string[], turn?: TurnRequest): Promise<StoreSnapshot> {
    return this.up(() => this.inner.read(keys, cooldownKey, members, turn));
  }
  leave(turnKey: string, pump: string): Promise<void> {
    return this.up(() => this.inner.leave(turnKey, pump));
  }
  coolDown(cooldownKey: string, member: string, untilMs: number): Promise<void> {
    return this.up(() => this.inner.coolDown(cooldownKey, member, untilMs));
  }
  loadLearnt(key: string): Promise<Record<string, string>> {
    return this.up(() => this.inner.loadLearnt(key));
  }
  saveLearnt(key: string, fields: Readonly<Record<string, string>>, ttlMs: number): Promise<void> {
    return this.up(() => this.inner.saveLearnt(key, fields, ttlMs));
  }
  time(): Promise<number> {
    return this.up(() => this.inner.time());
  }
  ping(): Promise<void> {
    return this.up(() => this.inner.ping());
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export const BASE: Omit<AccountLimiterOptions, 'redis' | 'metrics' | 'logger'> = {
  keyPrefix: 't:',
  windowMs: 1000,
  subWindows: 10,
  perMinute: { add: 10, remove: 5 },
  jitterMs: 0,
  maxWaitMs: 10_000,
  expectedReplicas: 2,
  probeIntervalMs: 100,
  learnRefreshMs: 200,
};

export interface Replica {
  readonly limiter: AccountLimiter;
  readonly metrics: Metrics;
  readonly options: ResolvedLimiterOptions;
}

/** Limiters ("replicas") sharing one FlakyStore. */
export function replicas(count: number, overrides: Partial<typeof BASE> = {}): { shared: FlakyStore; replicas: Replica[] } {
  const probe = resolveLimiterOptions({ ...BASE, ...overrides, metrics: createMetrics(), logger: silentLogger() });
  const shared = new FlakyStore(new MemoryStore(counterTtlMs(probe)));
  const list = Array.from({ length: count }, () => {
    const metrics = createMetrics();
    const options = resolveLimiterOptions({ ...BASE, ...overrides, metrics, logger: silentLogger() });
    return { limiter: buildAccountLimiter(shared, options), metrics, options };
  });
  return { shared, replicas: list };
}

/** `account: null` is the account-info call, made before the account is known. */
export const ctx = (connectorId: string, operation: OperationClass = 'add', account: string | null = '42'): RateLimitContext => ({
  connectorId,
  accountId: account ?? undefined,
  operation,
});

export function feedback(c: RateLimitContext, fields: Partial<Omit<RateLimitFeedback, 'ctx'>>): RateLimitFeedback {
  return { ctx: c, status: 200, scope: c.operation, limit: undefined, remaining: undefined, resetAtMs: undefined, flatRateCap: false, ...fields };
}

/** Starts acquires and records when each one resolves (fake clock) or how it failed. */
export function acquireMany(limiter: AccountLimiter, c: RateLimitContext, n: number, log: { at: number; who: string }[] = [], signal?: AbortSignal) {
  const errors: unknown[] = [];
  const all = Array.from({ length: n }, () =>
    limiter.gate.acquire(c, signal).then(
      () => void log.push({ at: Date.now(), who: c.connectorId }),
      (err: unknown) => void errors.push(err),
    ),
  );
  return { log, errors, all: Promise.all(all) };
}

export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

export async function metricValue(metrics: Metrics, name: keyof Metrics, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics[name] as { get(): Promise<{ values: { labels: Record<string, string | number>; value: number }[] }> };
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}
