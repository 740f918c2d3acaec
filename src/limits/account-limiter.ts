/**
 * The account-wide rate limiter: the RateLimitGate and RateLimitObserver of the DotDigital
 * client, shared by every connector and replica through Redis.
 *
 * Design
 * - Budgets. One budget per (account, scope); the account is the DotDigital account id, or
 *   the connector while the account is not known yet (the account-info call). A class's scope
 *   is the X-RateLimit-Scope DotDigital answered it with (learnt.ts), else the class itself;
 *   classes that DotDigital puts in one scope therefore share one budget. The limit is the
 *   scope's learnt X-RateLimit-Limit, else the class's configured default.
 * - No boundary bursts. Instead of a fixed window (up to twice the limit across a boundary),
 *   every budget is a sliding window counted in k sub-windows (window.ts): a grant is kept
 *   only if the sub-windows covering the last W plus two sub-windows of margin hold no more
 *   than the limit, so no W-long window, wherever it starts, holds more. With k = 60 the
 *   margin costs under 4% of the budget. Counters are rate-limiter-flexible RateLimiterRedis
 *   keys (atomic increment with expiry), read back with one MGET.
 * - Learning. Limits and scopes are shared in a Redis hash and re-read every learnRefreshMs.
 *   A 429 or X-RateLimit-Remaining: 0 puts the scope in cool-down until the reset time, the
 *   flat-rate cap the whole account; cool-downs live in Redis and are read by every attempt,
 *   so every replica honours them before its next call.
 * - Waiting. acquire() joins the budget's fair queue (budget.ts); one loop per budget and
 *   process takes tokens and sleeps, with jitter, until the time the store says one frees
 *   up. A waiter past maxWaitMs (or certain to pass it) fails with RATE_LIMIT_WAIT_EXCEEDED.
 * - Outage. A failed Redis call switches this process to its MemoryStore with limit ÷
 *   expectedReplicas per budget (failover.ts); the MemoryStore always mirrors this process's
 *   own grants, so the share holds across the switch, and the grants of the outage are
 *   handed to Redis when the probe finds it back.
 * Replicas bin grants by Redis's clock (offset measured with TIME), so the property holds up
 * to the measurement error of that offset (well under a sub-window).
 */
import type { OperationClass, RateLimitContext, RateLimitFeedback, RateLimitGate, RateLimitObserver } from '../sink/rate-limit.js';
import { SyncError } from '../errors.js';
import { Budget, waitExceeded } from './budget.js';
import type { Waiter } from './fair-queue.js';
import { Failover } from './failover.js';
import { LearntLimits, type LearntLimit } from './learnt.js';
import { resolveLimiterOptions, type AccountLimiterOptions, type ResolvedLimiterOptions } from './options.js';
import { RedisStore, createRedisClient } from './redis-store.js';
import type { LimiterStore } from './store.js';
import { bucketOf, countedBuckets, decide, type Decision } from './window.js';

/** The cool-down member that stops every scope of an account (flat-rate cap). */
export const WHOLE_ACCOUNT = '*';
const LEARNT_TTL_MS = 24 * 3_600_000;

export interface LimiterStatus {
  readonly fallbackActive: boolean;
  readonly waiting: number;
  readonly cooldowns: readonly { account: string; scope: string; untilMs: number }[];
  readonly learnt: readonly LearntLimit[];
}

export interface AccountLimiter {
  readonly gate: RateLimitGate;
  readonly observer: RateLimitObserver;
  status(): LimiterStatus;
  close(): Promise<void>;
}

export function createAccountLimiter(options: AccountLimiterOptions): AccountLimiter {
  const resolved = resolveLimiterOptions(options);
  const { redis } = options;
  const client = 'client' in redis ? redis.client : createRedisClient(redis.url, resolved.commandTimeoutMs, redis.password);
  let lastClientError = '';
  const store = new RedisStore(client, !('client' in redis), {
    keyPrefix: resolved.keyPrefix,
    commandTimeoutMs: resolved.commandTimeoutMs,
    counterTtlMs: counterTtlMs(resolved),
    onClientError: (err) => {
      // ioredis repeats the same error on every reconnect attempt: log each new one once.
      if (err.message !== lastClientError) resolved.logger.debug({ err: err.message }, 'Redis client error');
      lastClientError = err.message;
    },
  });
  return buildAccountLimiter(store, resolved);
}

/** Counters must outlive every window that counts them (W + 2 sub-windows after their own). */
export function counterTtlMs(o: ResolvedLimiterOptions): number {
  return o.windowMs + 3 * o.bucketMs;
}

/** The limiter over any shared store (Redis in production; a shared MemoryStore in unit tests). */
export function buildAccountLimiter(shared: LimiterStore, o: ResolvedLimiterOptions): AccountLimiter {
  const failover = new Failover(shared, { ...o, counterTtlMs: counterTtlMs(o) });
  const learnt = new LearntLimits(o.perWindow, o.learnRefreshMs);
  const budgets = new Map<string, Budget>();
  const refreshing = new Map<string, Promise<void>>();
  const closing = new AbortController();
  const log = o.logger;

  const counterKey = (account: string, scope: string, bucket: number): string => `${account}:${scope}:${bucket}`;

  const freshen = (account: string): Promise<void> => {
    if (failover.fallbackActive || !learnt.isStale(account, o.now())) return Promise.resolve();
    let pending = refreshing.get(account);
    if (!pending) {
      pending = failover
        .onShared((s) => s.loadLearnt(account))
        .then((fields) => learnt.load(account, fields ?? {}, o.now()))
        .finally(() => refreshing.delete(account));
      refreshing.set(account, pending);
    }
    return pending;
  };

  const takeFrom = async (store: LimiterStore, account: string, scope: string, limit: number): Promise<Decision> => {
    const started = failover.now();
    const j = bucketOf(started, o.bucketMs);
    const key = counterKey(account, scope, j);
    await store.add(key, 1);
    const keys = countedBuckets(j, o.subWindows).map((b) => counterKey(account, scope, b));
    const snapshot = await store.read(keys, account, [WHOLE_ACCOUNT, scope]);
    const local = store === failover.mirror ? snapshot : await failover.mirror.read([], account, [WHOLE_ACCOUNT, scope]);
    const finished = failover.now();
    const members = [WHOLE_ACCOUNT, scope];
    let cooldownUntil = 0;
    for (let i = 0; i < members.length; i++) {
      const until = Math.max(snapshot.cooldownUntil[i] ?? 0, local.cooldownUntil[i] ?? 0);
      // Cool-downs seen in Redis are kept locally so that an outage does not forget them.
      if (until > finished && until > (local.cooldownUntil[i] ?? 0)) await failover.mirror.coolDown(account, members[i] ?? scope, until);
      cooldownUntil = Math.max(cooldownUntil, until);
    }
    let decision: Decision;
    if (cooldownUntil > finished) decision = { granted: false, retryAtMs: cooldownUntil, certain: true };
    else if (finished - started >= o.bucketMs) decision = { granted: false, retryAtMs: finished };
    else decision = decide(snapshot.counts, limit, j, o.bucketMs);
    if (decision.granted) await failover.recordGrant(store, key);
    else await store.add(key, -1);
    return decision;
  };

  const attempt = async (budget: Budget, op: OperationClass): Promise<Decision> => {
    await freshen(budget.account);
    const limit = learnt.limitOf(budget.account, budget.scope, op);
    const shared = await failover.onShared((s) => takeFrom(s, budget.account, budget.scope, limit));
    if (shared) return shared;
    const share = Math.max(1, Math.floor(limit / o.expectedReplicas));
    return takeFrom(failover.mirror, budget.account, budget.scope, share);
  };

  const budgetFor = (account: string, scope: string): Budget => {
    const id = `${account}|${scope}`;
    let budget = budgets.get(id);
    if (!budget) {
      const created: Budget = new Budget(account, scope, {
        attempt: (op) => attempt(created, op),
        now: () => failover.now(),
        jitterMs: () => o.random() * o.jitterMs,
        retryOnErrorMs: o.bucketMs,
        onError: (err) => log.error({ err }, 'rate-limit attempt failed'),
        onWaitExceeded: (w) => o.metrics.rateLimitWaitExceeded.inc({ scope, operation: w.operation }),
        closing: closing.signal,
      });
      budget = created;
      budgets.set(id, budget);
    }
    return budget;
  };

  const waiting = (): number => [...budgets.values()].reduce((n, b) => n + b.queue.size, 0);

  const acquire = async (ctx: RateLimitContext, signal?: AbortSignal): Promise<void> => {
    signal?.throwIfAborted();
    if (closing.signal.aborted) throw new SyncError('SHUTTING_DOWN', 'The rate limiter is closed');
    const account = accountKey(ctx);
    await freshen(account);
    const budget = budgetFor(account, learnt.scopeOf(account, ctx.operation));
    const labels = { scope: budget.scope, operation: ctx.operation };
    if (waiting() >= o.maxWaiters) {
      o.metrics.rateLimitWaitExceeded.inc(labels);
      throw waitExceeded();
    }
    const start = o.now();
    await new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        closing.signal.removeEventListener('abort', onClose);
      };
      const waiter: Waiter = {
        connectorId: ctx.connectorId,
        operation: ctx.operation,
        enqueuedAtMs: start,
        deadlineMs: failover.now() + o.maxWaitMs,
        grant: () => {
          cleanup();
          o.metrics.rateLimitGranted.inc(labels);
          o.metrics.rateLimitWait.observe(labels, (o.now() - start) / 1000);
          resolve();
        },
        fail: (error) => {
          cleanup();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      };
      const giveUp = (error: unknown): void => {
        if (budget.queue.remove(waiter)) waiter.fail(error);
      };
      const onAbort = (): void => giveUp(signal?.reason);
      const onClose = (): void => giveUp(new SyncError('SHUTTING_DOWN', 'The rate limiter closed while waiting'));
      const timer = setTimeout(() => {
        if (!budget.queue.remove(waiter)) return;
        o.metrics.rateLimitWaitExceeded.inc(labels);
        waiter.fail(waitExceeded());
      }, o.maxWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      closing.signal.addEventListener('abort', onClose, { once: true });
      budget.enqueue(waiter);
    });
  };

  const coolDown = (account: string, scope: string, member: string, untilMs: number, reason: string): void => {
    const now = failover.now();
    if (untilMs <= now) return;
    void (async () => {
      const known = (await failover.mirror.read([], account, [member])).cooldownUntil[0] ?? 0;
      if (untilMs > known) o.metrics.rateLimitCooldowns.inc({ scope, reason });
      await failover.mirror.coolDown(account, member, untilMs);
      await failover.onShared((s) => s.coolDown(account, member, untilMs));
    })();
  };

  const observe = (feedback: RateLimitFeedback): void => {
    const { ctx } = feedback;
    const account = accountKey(ctx);
    const now = failover.now();
    const changed = learnt.learn(account, ctx.operation, feedback.scope, feedback.limit);
    if (Object.keys(changed).length > 0) {
      log.info({ operation: ctx.operation, scope: feedback.scope, limit: feedback.limit }, 'learnt a DotDigital rate limit');
      void failover.onShared((s) => s.saveLearnt(account, changed, LEARNT_TTL_MS));
    }
    const scope = learnt.scopeOf(account, ctx.operation);
    const tierEnd = Math.min(feedback.resetAtMs ?? now + o.windowMs, now + 2 * o.windowMs);
    if (feedback.status === 429) {
      o.metrics.rateLimit429.inc({ scope, operation: ctx.operation });
      coolDown(account, scope, scope, tierEnd, '429');
    } else if (feedback.remaining === 0) {
      coolDown(account, scope, scope, tierEnd, 'remaining_zero');
    }
    if (feedback.flatRateCap) {
      const end = Math.min(feedback.resetAtMs ?? now + o.flatRateWindowMs, now + o.flatRateWindowMs);
      coolDown(account, 'account', WHOLE_ACCOUNT, end, 'flat_rate_cap');
    }
  };

  return {
    gate: { acquire },
    observer: { observe },
    status: () => ({
      fallbackActive: failover.fallbackActive,
      waiting: waiting(),
      cooldowns: failover.mirror.activeCooldowns().map(([account, scope, untilMs]) => ({ account, scope, untilMs })),
      learnt: learnt.known(),
    }),
    close: async () => {
      closing.abort();
      await failover.close();
    },
  };
}

function accountKey(ctx: RateLimitContext): string {
  return ctx.accountId === undefined ? `c:${ctx.connectorId}` : `a:${ctx.accountId}`;
}
