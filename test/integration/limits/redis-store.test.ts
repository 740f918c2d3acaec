import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, RedisStore } from '../../../src/limits/redis-store.js';
import { deleteKeys, stackRedisUrl, uniquePrefix } from './redis.js';

describe('RedisStore on the stack Redis', () => {
  const url = stackRedisUrl();
  const prefix = uniquePrefix('store');
  let client: Redis;
  let store: RedisStore;
  let raw: Redis;

  beforeAll(() => {
    client = createRedisClient(url, 500);
    store = new RedisStore(client, true, { keyPrefix: prefix, commandTimeoutMs: 500, counterTtlMs: 4_500 });
    raw = new Redis(url);
  });
  afterAll(async () => {
    await store.close();
    expect(await deleteKeys(url, prefix)).toBeGreaterThan(0);
    raw.disconnect();
  });

  it('counts sub-windows through rate-limiter-flexible keys that expire after the counter lifetime', async () => {
    await store.add('a:1:add:10', 1);
    await store.add('a:1:add:10', 2);
    await store.add('a:1:add:11', 1);
    await store.add('a:1:add:10', -1);
    const snap = await store.read(['a:1:add:9', 'a:1:add:10', 'a:1:add:11'], 'a:1', ['*', 'add']);
    expect(snap).toEqual({ counts: [0, 2, 1], cooldownUntil: [0, 0], turnOrder: [] });
    const ttl = await raw.pttl(`${prefix}rl:n:a:1:add:10`);
    expect(ttl).toBeGreaterThan(4_000);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });

  it('keeps the later of two cool-downs and lets the set expire with the last one', async () => {
    const base = Date.now();
    await store.coolDown('a:2', 'add', base + 2_000);
    await store.coolDown('a:2', 'add', base + 1_000);
    await store.coolDown('a:2', '*', base + 1_500);
    const snap = await store.read([], 'a:2', ['*', 'add', 'remove']);
    expect(snap.cooldownUntil).toEqual([base + 1_500, base + 2_000, 0]);
    const ttl = await raw.pttl(`${prefix}rl:cd:a:2`);
    expect(ttl).toBeGreaterThan(1_500);
    expect(ttl).toBeLessThanOrEqual(2_000);
  });

  it('orders waiting pumps least recently served first and forgets those not seen lately', async () => {
    const now = Date.now();
    const turn = (pump: string, lastServedMs: number, nowMs = now) => ({ key: 'a:4:add', pump, lastServedMs, nowMs, staleMs: 1_000 });
    await store.read([], 'a:4', ['*'], turn('old', 0, now - 5_000));
    await store.read([], 'a:4', ['*'], turn('busy', now - 10));
    await store.read([], 'a:4', ['*'], turn('quiet', now - 900));
    const snap = await store.read(['a:4:add:1'], 'a:4', ['*', 'add'], turn('busy', now - 5));
    expect(snap.turnOrder).toEqual(['quiet', 'busy']);
    expect(snap.counts).toEqual([0]);
    expect(await raw.zrange(`${prefix}rl:turn:a:4:add`, 0, '-1')).toEqual(['quiet', 'busy']);
    await store.leave('a:4:add', 'quiet');
    expect((await store.read([], 'a:4', ['*'], turn('busy', now - 5))).turnOrder).toEqual(['busy']);
  });

  it('stores learnt facts per account with a lifetime', async () => {
    await store.saveLearnt('a:3', { 'op:add': 'low', 'limit:low': '40' }, 60_000);
    await store.saveLearnt('a:3', { 'limit:low': '45' }, 60_000);
    expect(await store.loadLearnt('a:3')).toEqual({ 'op:add': 'low', 'limit:low': '45' });
    expect(await store.loadLearnt('a:none')).toEqual({});
    expect(await raw.pttl(`${prefix}rl:learn:a:3`)).toBeGreaterThan(50_000);
  });

  it('reads the server clock', async () => {
    const before = Date.now();
    const server = await store.time();
    expect(Math.abs(server - before)).toBeLessThan(1_000);
    await store.ping();
  });
});

describe('RedisStore when Redis is not there', () => {
  it('fails fast instead of queueing commands', async () => {
    const client = createRedisClient('redis://127.0.0.1:1', 200);
    const store = new RedisStore(client, true, { keyPrefix: 'none:', commandTimeoutMs: 200, counterTtlMs: 1_000, onClientError: () => undefined });
    const started = Date.now();
    await expect(store.add('k', 1)).rejects.toThrow();
    await expect(store.read(['k'], 'c', ['*'])).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
    await store.close();
  });
});
