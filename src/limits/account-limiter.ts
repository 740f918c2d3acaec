/**
 * The account-wide rate limiter: the RateLimitGate and RateLimitObserver of the DotDigital
 * client, shared by every connector and replica through Redis.
 *
 * Design
 * - Budgets. One budget per (account, scope); the account is the DotDigital account id, or
 *   the connector while the account is not known yet (the account-info call). A class's scope
 *   is the X-RateLimit-Scope DotDigital answered it with (learnt.ts), else the class itself;
 *   classes that DotDigital puts in one scope share one budget. The limit is the scope's
 *   learnt X-RateLimit-Limit, else the class's configured default. Counters are kept per
 *   class and summed per scope (take.ts), so learning a scope loses nothing already counted.
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
 * - Waiting. acquire() joins the budget's queue; one loop per budget and process takes
 *   tokens and sleeps, with jitter, until the time the store says one frees up, so replicas
 *   do not stampede when a window moves on. A waiter past maxWaitMs (or certain to pass it,
 *   during a cool-down) fails with RATE_LIMIT_WAIT_EXCEEDED; at most maxWaiters wait.
 * - Fairness. Inside a process the queue is round-robin by connector (fair-queue.ts); across
 *   processes each has one loop per budget, and the loops take turns through Redis, least
 *   recently served first (budget.ts, take.ts): a busy connector cannot starve a quiet one,
 *   in its own process or in another.
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
import { takeToken, turnKey, WHOLE_ACCOUNT, type TakeDeps } from './take.js';
import type { Decision } from './window.js';

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

  const takeDeps: TakeDeps = {
    mirror: failover.mirror,
    now: () => failover.now(),
    bucketMs: o.bucketMs,
    subWindows: o.subWindows,
    spreadFactor: o.spreadFactor,
    turnStaleMs: o.windowMs + 3 * o.bucketMs + o.jitterMs,
    recordGrant: (store, key) => failover.recordGrant(store, key),
  };

  const attempt = async (account: string, operation: OperationClass, turn: { pump: string; lastServedMs: number }): Promise<Decision> => {
    await freshen(account);
    // Read again at every attempt: the scope may have been learnt while this waiter waited.
    const scope = learnt.scopeOf(account, operation);
    const limit = learnt.limitOf(account, scope, operation);
    const req = { account, operation, scope, classes: learnt.classesIn(account, scope), limit, ...turn };
    const shared = await failover.onShared((s) => takeToken(s, req, takeDeps));
    if (shared) return shared;
    const share = Math.max(1, Math.floor(limit / o.expectedReplicas));
    return takeToken(failover.mirror, { ...req, limit: share }, takeDeps);
  };

  const budgetFor = (account: string, scope: string): Budget => {
    const id = `${account}|${scope}`;
    let budget = budgets.get(id);
    if (!budget) {
      const created: Budget = new Budget(account, scope, {
        attempt: (op, turn) => attempt(account, op, turn),
        idle: (pump) => void failover.onShared((store) => store.leave(turnKey(account, scope), pump)),
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
    const configured = ctx.accountId === undefined ? undefined : o.connectorLimits(ctx.connectorId);
    if (configured !== undefined) learnt.override(account, configured);
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

  /** members[0] is the scope's own member; the others are its classes (see take.ts). */
  const coolDown = (account: string, label: string, members: readonly string[], untilMs: number, reason: string): void => {
    if (untilMs <= failover.now()) return;
    void (async () => {
      const known = (await failover.mirror.read([], account, members.slice(0, 1))).cooldownUntil[0] ?? 0;
      if (untilMs > known) o.metrics.rateLimitCooldowns.inc({ scope: label, reason });
      for (const member of members) await failover.mirror.coolDown(account, member, untilMs);
      await failover.onShared(async (s) => {
        for (const member of members) await s.coolDown(account, member, untilMs);
      });
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
    const members = [...new Set([scope, ...learnt.classesIn(account, scope)])];
    const tierEnd = Math.min(feedback.resetAtMs ?? now + o.windowMs, now + 2 * o.windowMs);
    if (feedback.status === 429) {
      o.metrics.rateLimit429.inc({ scope, operation: ctx.operation });
      coolDown(account, scope, members, tierEnd, '429');
    } else if (feedback.remaining === 0) {
      coolDown(account, scope, members, tierEnd, 'remaining_zero');
    }
    if (feedback.flatRateCap) {
      const end = Math.min(feedback.resetAtMs ?? now + o.flatRateWindowMs, now + o.flatRateWindowMs);
      coolDown(account, 'account', [WHOLE_ACCOUNT], end, 'flat_rate_cap');
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
