/**
 * Redis stopped mid-run and restarted, under three separate processes sharing one sandbox
 * account: calls go on under the fallback, no process exceeds its share (limit ÷ expected
 * replicas) while Redis is away, and every process returns to Redis. The Redis is a private
 * redis-server started by this test, so stopping it disturbs nobody else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { maxInSlidingWindow } from '../../unit/limits/sliding.js';
import { startPrivateRedis, uniquePrefix, type PrivateRedis } from './redis.js';
import { sleep, startReplicas, type Worker } from './replicas.js';

const WINDOW_MS = 3_000;
const LIMIT = 60;
const PROCESSES = 3;
const SHARE = LIMIT / PROCESSES;

describe('Redis outage under separate processes', () => {
  let sandbox: Sandbox;
  let redis: PrivateRedis;
  let workers: Worker[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ accounts: [], limitWindowMs: WINDOW_MS });
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    for (const w of workers) w.kill();
    await sandbox.close();
    await redis.stop();
  });

  it('calls go on within each process\'s share while Redis is down, and all return to Redis', async () => {
    const accountId = 7601;
    workers = await startReplicas(sandbox, {
      accountId,
      windowMs: WINDOW_MS,
      limit: LIMIT,
      redisUrl: redis.url,
      keyPrefix: uniquePrefix('outage'),
      processes: PROCESSES,
      connectorsPerProcess: 2,
      extra: { commandTimeoutMs: 200, probeIntervalMs: 200 },
    });
    for (const w of workers) w.go(4.5 * WINDOW_MS);
    await sleep(1.2 * WINDOW_MS);
    await redis.stop();
    const stoppedAt = Date.now();
    await sleep(1.6 * WINDOW_MS);
    await redis.start();
    const restartedAt = Date.now();
    const done = await Promise.all(workers.map((w) => w.done));

    expect(sandbox.callCount({ scope: 'addressBooks', status: '429' })).toBe(0);
    expect(sandbox.callCount({ scope: 'addressBooks', status: '200' })).toBeGreaterThan(2 * LIMIT);
    for (const [i, w] of workers.entries()) {
      const statuses = w.lines.filter((l) => l.type === 'status');
      expect(statuses.some((s) => s.fallbackActive && s.at > stoppedAt && s.at < restartedAt)).toBe(true);
      expect(statuses.at(-1)?.fallbackActive).toBe(false);
      const grants = done[i]!.grants;
      const during = grants.filter((t) => t > stoppedAt && t < restartedAt);
      expect(during.length).toBeGreaterThan(0);
      expect(maxInSlidingWindow(during, WINDOW_MS)).toBeLessThanOrEqual(SHARE);
      expect(grants.filter((t) => t > restartedAt + 500).length).toBeGreaterThan(0);
    }
    expect(maxInSlidingWindow(done.flatMap((d) => d.grants), WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
  });
});
