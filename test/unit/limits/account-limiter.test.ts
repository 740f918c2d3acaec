import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SyncError } from '../../../src/errors.js';
import { acquireMany, advance, ctx, feedback, metricValue, replicas } from './harness.js';
import { maxInSlidingWindow } from './sliding.js';

const SPREAD = 4;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('account limiter: budget', () => {
  it('grants the limit at once, then keeps every sliding window under it', async () => {
    const { replicas: [a] } = replicas(1);
    const run = acquireMany(a!.limiter, ctx('c1'), 60);
    await advance(0);
    expect(run.log).toHaveLength(10);
    await advance(5_000);
    const times = run.log.map((g) => g.at);
    expect(maxInSlidingWindow(times, 1000)).toBe(10);
    // Tokens are reused after at most W + 2 sub-windows: 10 now, then 10 more per 1.2 s at worst.
    expect(times.length).toBeGreaterThanOrEqual(10 + 4 * 10);
    await a!.limiter.close();
  });

  it('with a spread factor, spends the budget a few tokens per sub-window instead of all at once', async () => {
    const { replicas: [a] } = replicas(1, { spreadFactor: 2 });
    const run = acquireMany(a!.limiter, ctx('c1'), 10);
    await advance(1);
    expect(run.log).toHaveLength(2);
    await advance(500);
    expect(run.log).toHaveLength(10);
    const perSubWindow = new Map<number, number>();
    for (const g of run.log) perSubWindow.set(Math.floor(g.at / 100), (perSubWindow.get(Math.floor(g.at / 100)) ?? 0) + 1);
    expect(Math.max(...perSubWindow.values())).toBe(2);
    await a!.limiter.close();
  });

  it('replicas sharing the store stay under the limit together', async () => {
    const { replicas: list } = replicas(3);
    const log: { at: number; who: string }[] = [];
    const runs = list.map((r, i) => acquireMany(r.limiter, ctx(`c${i}`), 40, log));
    await advance(6_000);
    expect(maxInSlidingWindow(log.map((g) => g.at), 1000)).toBeLessThanOrEqual(10);
    expect(log.length).toBeGreaterThanOrEqual(50);
    // Each replica got a share: none was starved.
    for (const run of runs) expect(run.log.length).toBeGreaterThan(5);
    await Promise.all(list.map((r) => r.limiter.close()));
  });

  it('keys by connector while the account is unknown', async () => {
    const { replicas: [a] } = replicas(1);
    const one = acquireMany(a!.limiter, ctx('c1', 'admin', null), 60);
    const two = acquireMany(a!.limiter, ctx('c2', 'admin', null), 60);
    await advance(1);
    expect([one.log.length, two.log.length]).toEqual([60, 60]);
    await a!.limiter.close();
  });
});

describe('account limiter: fairness', () => {
  it('a quiet connector is served at the next free token, ahead of a busy connector\'s queue', async () => {
    const { replicas: [a] } = replicas(1);
    const log: { at: number; who: string }[] = [];
    acquireMany(a!.limiter, ctx('busy'), 40, log);
    await advance(0);
    acquireMany(a!.limiter, ctx('quiet'), 2, log);
    await advance(3_000);
    const order = log.map((g) => g.who);
    expect(order.slice(0, 10).every((w) => w === 'busy')).toBe(true);
    expect(order.indexOf('quiet')).toBe(10);
    expect(order.lastIndexOf('quiet')).toBe(12);
    await a!.limiter.close();
  });
});

describe('account limiter: fairness across replicas', () => {
  it('a quiet connector on one replica is not starved by a busy connector on another', async () => {
    const { replicas: [busy, quiet] } = replicas(2, { jitterMs: 50, spreadFactor: SPREAD });
    const flood = acquireMany(busy!.limiter, ctx('busy'), 500);
    await advance(1);
    const waits: number[] = [];
    const asking = (async () => {
      for (let i = 0; i < 8; i++) {
        const asked = Date.now();
        await quiet!.limiter.gate.acquire(ctx('quiet'));
        waits.push(Date.now() - asked);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await advance(10_000);
    expect(waits).toHaveLength(8);
    // Each ask is served within about one token cycle (W + 2 sub-windows), never a turn later.
    expect(Math.max(...waits)).toBeLessThanOrEqual(1_200);
    expect(flood.log.length).toBeGreaterThan(60);
    await Promise.all([busy!.limiter.close(), quiet!.limiter.close()]);
    await asking;
  });
});

describe('account limiter: waiting', () => {
  it('gives up after maxWaitMs with a retryable RATE_LIMIT_WAIT_EXCEEDED', async () => {
    const { replicas: [a] } = replicas(1, { maxWaitMs: 300 });
    const run = acquireMany(a!.limiter, ctx('c1', 'remove'), 6);
    await advance(299);
    expect(run.errors).toHaveLength(0);
    await advance(2);
    expect(run.log).toHaveLength(5);
    expect(run.errors).toHaveLength(1);
    const err = run.errors[0] as SyncError;
    expect(err).toBeInstanceOf(SyncError);
    expect([err.code, err.retryable]).toEqual(['RATE_LIMIT_WAIT_EXCEEDED', true]);
    expect(await metricValue(a!.metrics, 'rateLimitWaitExceeded', { scope: 'remove', operation: 'remove' })).toBe(1);
    await a!.limiter.close();
  });

  it('fails at once, naming the retry time, when a cool-down outlasts the maximum wait', async () => {
    const { replicas: [a] } = replicas(1, { maxWaitMs: 300 });
    const c = ctx('c1');
    a!.limiter.observer.observe(feedback(c, { status: 429, resetAtMs: Date.now() + 900 }));
    const run = acquireMany(a!.limiter, c, 1);
    await advance(1);
    expect((run.errors[0] as SyncError).retryAtMs).toBe(Date.now() + 899);
    await a!.limiter.close();
  });

  it('an aborted wait rejects with the abort reason and leaves the queue', async () => {
    const { replicas: [a] } = replicas(1);
    acquireMany(a!.limiter, ctx('c1', 'remove'), 5);
    const controller = new AbortController();
    const run = acquireMany(a!.limiter, ctx('c1', 'remove'), 1, [], controller.signal);
    await advance(10);
    expect(a!.limiter.status().waiting).toBe(1);
    controller.abort(new Error('batch cancelled'));
    await advance(0);
    expect((run.errors[0] as Error).message).toBe('batch cancelled');
    expect(a!.limiter.status().waiting).toBe(0);
    await expect(a!.limiter.gate.acquire(ctx('c1'), controller.signal)).rejects.toThrow('batch cancelled');
    await a!.limiter.close();
  });

  it('holds at most maxWaiters and rejects the rest at once', async () => {
    const { replicas: [a] } = replicas(1, { maxWaiters: 3 });
    const log: { at: number; who: string }[] = [];
    acquireMany(a!.limiter, ctx('c1', 'remove'), 3, log);
    await advance(1);
    acquireMany(a!.limiter, ctx('c1', 'remove'), 2, log);
    await advance(1);
    expect(log).toHaveLength(5);
    acquireMany(a!.limiter, ctx('c1', 'remove'), 3);
    await advance(1);
    expect(a!.limiter.status().waiting).toBe(3);
    const extra = acquireMany(a!.limiter, ctx('c2', 'remove'), 1);
    await advance(1);
    expect((extra.errors[0] as SyncError).code).toBe('RATE_LIMIT_WAIT_EXCEEDED');
    await a!.limiter.close();
  });

  it('close rejects the waiters with SHUTTING_DOWN', async () => {
    const { replicas: [a] } = replicas(1);
    const run = acquireMany(a!.limiter, ctx('c1', 'remove'), 7);
    await advance(0);
    await a!.limiter.close();
    await advance(0);
    expect(run.errors.map((e) => (e as SyncError).code)).toEqual(['SHUTTING_DOWN', 'SHUTTING_DOWN']);
    await expect(a!.limiter.gate.acquire(ctx('c1'))).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});
