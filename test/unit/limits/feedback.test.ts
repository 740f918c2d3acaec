import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireMany, advance, ctx, feedback, metricValue, replicas } from './harness.js';
import { maxInSlidingWindow } from './sliding.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('account limiter: learning from DotDigital', () => {
  it('a limit learnt by one replica is adopted by the others within learnRefreshMs', async () => {
    const { replicas: [a, b] } = replicas(2);
    await advance(1);
    a!.limiter.observer.observe(feedback(ctx('c1'), { limit: 4, remaining: 3 }));
    await advance(200);
    const run = acquireMany(b!.limiter, ctx('c2'), 20);
    await advance(3_000);
    expect(maxInSlidingWindow(run.log.map((g) => g.at), 1000)).toBe(4);
    expect(b!.limiter.status().learnt).toEqual([{ account: 'a:42', scope: 'add', limit: 4 }]);
    await Promise.all([a!.limiter.close(), b!.limiter.close()]);
  });

  it('classes DotDigital puts in one scope share that scope\'s budget', async () => {
    const { replicas: [a] } = replicas(1);
    a!.limiter.observer.observe(feedback(ctx('c1', 'add'), { scope: 'lowCallRate', limit: 6 }));
    a!.limiter.observer.observe(feedback(ctx('c1', 'remove'), { scope: 'lowCallRate', limit: 6 }));
    const log: { at: number; who: string }[] = [];
    acquireMany(a!.limiter, ctx('adds', 'add'), 20, log);
    acquireMany(a!.limiter, ctx('removes', 'remove'), 20, log);
    await advance(3_000);
    expect(maxInSlidingWindow(log.map((g) => g.at), 1000)).toBe(6);
    expect(new Set(log.map((g) => g.who))).toEqual(new Set(['adds', 'removes']));
    expect(await metricValue(a!.metrics, 'rateLimitGranted', { scope: 'lowCallRate', operation: 'remove' })).toBeGreaterThan(0);
    await a!.limiter.close();
  });
});

describe('account limiter: learning a scope mid-way', () => {
  it('what a class spent before its scope was learnt still counts against the scope', async () => {
    const { replicas: [a] } = replicas(1);
    const before = acquireMany(a!.limiter, ctx('c1', 'add'), 8);
    await advance(1);
    expect(before.log).toHaveLength(8);
    a!.limiter.observer.observe(feedback(ctx('c1', 'add'), { scope: 'lowCallRate', limit: 10 }));
    a!.limiter.observer.observe(feedback(ctx('c1', 'remove'), { scope: 'lowCallRate', limit: 10 }));
    const after = acquireMany(a!.limiter, ctx('c1', 'remove'), 5);
    await advance(1);
    expect(after.log).toHaveLength(2);
    await a!.limiter.close();
  });

  it('a replica that has not learnt the scope yet counts the same counters as one that has', async () => {
    const { replicas: [a, b] } = replicas(2, { learnRefreshMs: 60_000 });
    const log: { at: number; who: string }[] = [];
    // b reads the learnt facts now (none), and not again for a minute.
    acquireMany(b!.limiter, ctx('b', 'add'), 1, log);
    await advance(1);
    a!.limiter.observer.observe(feedback(ctx('c1', 'add'), { scope: 'lowCallRate', limit: 10 }));
    acquireMany(a!.limiter, ctx('a', 'add'), 30, log);
    acquireMany(b!.limiter, ctx('b', 'add'), 30, log);
    await advance(3_000);
    expect(b!.limiter.status().learnt).toEqual([]);
    expect(maxInSlidingWindow(log.map((g) => g.at), 1000)).toBe(10);
    await Promise.all([a!.limiter.close(), b!.limiter.close()]);
  });

  it('a 429 on a learnt scope pauses a replica that still knows the class only', async () => {
    const { replicas: [a, b] } = replicas(2, { learnRefreshMs: 60_000 });
    acquireMany(b!.limiter, ctx('b', 'add'), 1);
    await advance(1);
    a!.limiter.observer.observe(feedback(ctx('c1', 'add'), { status: 429, scope: 'lowCallRate', limit: 10, resetAtMs: Date.now() + 800 }));
    await advance(1);
    const onB = acquireMany(b!.limiter, ctx('b', 'add'), 1);
    await advance(700);
    expect(b!.limiter.status().learnt).toEqual([]);
    expect(onB.log).toHaveLength(0);
    await advance(200);
    expect(onB.log).toHaveLength(1);
    await Promise.all([a!.limiter.close(), b!.limiter.close()]);
  });
});

describe('account limiter: cool-downs', () => {
  it('a 429 seen by one replica pauses the scope on every replica until the reset time', async () => {
    const { replicas: [a, b] } = replicas(2);
    const resetAtMs = Date.now() + 2_000;
    a!.limiter.observer.observe(feedback(ctx('c1'), { status: 429, limit: 10, remaining: 0, resetAtMs }));
    await advance(1);
    const onB = acquireMany(b!.limiter, ctx('c2'), 1);
    const otherScope = acquireMany(b!.limiter, ctx('c2', 'remove'), 1);
    await advance(1_990);
    expect(onB.log).toHaveLength(0);
    expect(otherScope.log).toHaveLength(1);
    await advance(20);
    expect(onB.log[0]!.at).toBeGreaterThanOrEqual(resetAtMs);
    expect(await metricValue(a!.metrics, 'rateLimit429', { scope: 'add', operation: 'add' })).toBe(1);
    expect(await metricValue(a!.metrics, 'rateLimitCooldowns', { scope: 'add', reason: '429' })).toBe(1);
    expect(b!.limiter.status().cooldowns).toEqual([]);
    await Promise.all([a!.limiter.close(), b!.limiter.close()]);
  });

  it('X-RateLimit-Remaining: 0 cools the scope down until the reset; a reset in the past is ignored', async () => {
    const { replicas: [a] } = replicas(1);
    a!.limiter.observer.observe(feedback(ctx('c1'), { remaining: 0, resetAtMs: Date.now() - 5 }));
    const first = acquireMany(a!.limiter, ctx('c1'), 1);
    await advance(1);
    expect(first.log).toHaveLength(1);
    a!.limiter.observer.observe(feedback(ctx('c1'), { remaining: 0, resetAtMs: Date.now() + 500 }));
    await advance(1);
    expect(a!.limiter.status().cooldowns).toEqual([{ account: 'a:42', scope: 'add', untilMs: Date.now() + 499 }]);
    const second = acquireMany(a!.limiter, ctx('c1'), 1);
    await advance(490);
    expect(second.log).toHaveLength(0);
    await advance(20);
    expect(second.log).toHaveLength(1);
    expect(await metricValue(a!.metrics, 'rateLimitCooldowns', { reason: 'remaining_zero' })).toBe(1);
    await a!.limiter.close();
  });

  it('the flat-rate cap pauses every scope of the account for its window, other accounts go on', async () => {
    const { replicas: [a, b] } = replicas(2, { flatRateWindowMs: 5_000 });
    a!.limiter.observer.observe(feedback(ctx('c1'), { status: 400, flatRateCap: true }));
    await advance(1);
    const adds = acquireMany(b!.limiter, ctx('c2', 'add'), 1);
    const polls = acquireMany(b!.limiter, ctx('c2', 'poll'), 1);
    const elsewhere = acquireMany(b!.limiter, ctx('c3', 'poll', '7'), 1);
    await advance(4_900);
    expect([adds.log.length, polls.log.length, elsewhere.log.length]).toEqual([0, 0, 1]);
    await advance(200);
    expect([adds.log.length, polls.log.length]).toEqual([1, 1]);
    expect(await metricValue(a!.metrics, 'rateLimitCooldowns', { scope: 'account', reason: 'flat_rate_cap' })).toBe(1);
    await Promise.all([a!.limiter.close(), b!.limiter.close()]);
  });

  it('a reset time far beyond the window is capped (a bad header cannot stall the account)', async () => {
    const { replicas: [a] } = replicas(1);
    a!.limiter.observer.observe(feedback(ctx('c1'), { status: 429, resetAtMs: Date.now() + 3_600_000 }));
    await advance(1);
    expect(a!.limiter.status().cooldowns[0]!.untilMs).toBeLessThanOrEqual(Date.now() + 2_000);
    await a!.limiter.close();
  });

  it('metrics are labelled by scope and operation, never by account or connector', async () => {
    const { replicas: [a] } = replicas(1);
    a!.limiter.observer.observe(feedback(ctx('connector-x', 'add', '98765'), { status: 429, resetAtMs: Date.now() + 100 }));
    acquireMany(a!.limiter, ctx('connector-x', 'add', '98765'), 3);
    await advance(500);
    const text = await a!.metrics.registry.metrics();
    expect(text).toContain('dotdigital_sync_ratelimit_tokens_granted_total{scope="add",operation="add"} 3');
    expect(text).not.toMatch(/98765|connector-x/);
    await a!.limiter.close();
  });
});
