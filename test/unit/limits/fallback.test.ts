import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireMany, advance, ctx, feedback, metricValue, replicas } from './harness.js';
import { maxInSlidingWindow } from './sliding.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('account limiter: Redis outage', () => {
  it('falls back to limit ÷ expectedReplicas per process, says so, and returns when the store is back', async () => {
    const { shared, replicas: [a] } = replicas(1);
    await advance(1);
    shared.down = true;
    const run = acquireMany(a!.limiter, ctx('c1'), 40);
    await advance(1);
    expect(a!.limiter.status().fallbackActive).toBe(true);
    expect(await metricValue(a!.metrics, 'rateLimitFallback')).toBe(1);
    expect(run.log).toHaveLength(5);
    await advance(3_000);
    expect(maxInSlidingWindow(run.log.map((g) => g.at), 1000)).toBe(5);

    shared.down = false;
    await advance(100);
    expect(a!.limiter.status().fallbackActive).toBe(false);
    expect(await metricValue(a!.metrics, 'rateLimitFallback')).toBe(0);
    await advance(3_000);
    // Back on the shared budget: the full limit again, and never above it.
    const after = run.log.filter((g) => g.at > Date.now() - 2_500).map((g) => g.at);
    expect(maxInSlidingWindow(after, 1000)).toBe(10);
    expect(maxInSlidingWindow(run.log.map((g) => g.at), 1000)).toBeLessThanOrEqual(10);
    await a!.limiter.close();
  });

  it('the share counts what this process spent just before the outage', async () => {
    const { shared, replicas: [a] } = replicas(1);
    const before = acquireMany(a!.limiter, ctx('c1'), 4);
    await advance(1);
    expect(before.log).toHaveLength(4);
    shared.down = true;
    const during = acquireMany(a!.limiter, ctx('c1'), 10);
    await advance(500);
    expect(during.log).toHaveLength(1);
    await a!.limiter.close();
  });

  it('hands the grants made during the outage to the store, so that other replicas count them', async () => {
    const { shared, replicas: [a, b] } = replicas(2);
    await advance(1);
    shared.down = true;
    const onA = acquireMany(a!.limiter, ctx('c1'), 5);
    await advance(1);
    expect(onA.log).toHaveLength(5);
    shared.down = false;
    await advance(100);
    expect(a!.limiter.status().fallbackActive).toBe(false);
    const onB = acquireMany(b!.limiter, ctx('c2'), 10);
    await advance(1);
    expect(onB.log).toHaveLength(5);
    await Promise.all([a!.limiter.close(), b!.limiter.close()]);
  });

  it('keeps cool-downs through the outage and hands them to the store when it is back', async () => {
    const { shared, replicas: [a, b] } = replicas(2);
    await advance(1);
    shared.down = true;
    const c = ctx('c1');
    const first = acquireMany(a!.limiter, c, 1);
    await advance(1);
    expect(first.log).toHaveLength(1);
    a!.limiter.observer.observe(feedback(c, { status: 429, resetAtMs: Date.now() + 1_500 }));
    shared.down = false;
    await advance(100);
    const onB = acquireMany(b!.limiter, ctx('c2'), 1);
    await advance(1_300);
    expect(onB.log).toHaveLength(0);
    await advance(200);
    expect(onB.log).toHaveLength(1);
    await Promise.all([a!.limiter.close(), b!.limiter.close()]);
  });

  it('an outage during a wait neither crashes nor loses the waiter', async () => {
    const { shared, replicas: [a] } = replicas(1, { maxWaitMs: 5_000 });
    const run = acquireMany(a!.limiter, ctx('c1'), 12);
    await advance(1);
    shared.down = true;
    await advance(3_000);
    expect(run.errors).toEqual([]);
    expect(run.log).toHaveLength(12);
    await a!.limiter.close();
  });
});
