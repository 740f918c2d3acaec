import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccountLimiter, type AccountLimiter } from '../../../src/limits/index.js';
import { createLogger, silentLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { maxInSlidingWindow } from '../../unit/limits/sliding.js';
import { deleteKeys, stackRedisUrl, startPrivateRedis, uniquePrefix } from './redis.js';
import { budgetUse } from './replicas.js';

const WINDOW_MS = 1_000;
/** Longer: ioredis reconnects at most once a second, the return to Redis must fit in the run. */
const OUTAGE_WINDOW_MS = 2_000;
const LIMIT = 20;

/** Keeps `connectors` loops acquiring on each limiter until `untilMs`; returns grant times. */
async function hammer(limiters: AccountLimiter[], connectors: number, untilMs: number): Promise<number[][]> {
  const perLimiter = limiters.map(() => [] as number[]);
  await Promise.all(
    limiters.flatMap((limiter, i) =>
      Array.from({ length: connectors }, async (_, c) => {
        while (Date.now() < untilMs) {
          await limiter.gate.acquire({ connectorId: `p${i}-c${c}`, accountId: '1001', operation: 'add' });
          perLimiter[i]!.push(Date.now());
        }
      }),
    ),
  );
  return perLimiter;
}

describe('account limiter on Redis (in one process, separate clients)', () => {
  const prefixes: [string, string][] = [];
  afterAll(async () => {
    for (const [url, prefix] of prefixes) await deleteKeys(url, prefix);
  });

  it('three limiters on one account keep every sliding window under the limit and use over 90% of it', async () => {
    const url = stackRedisUrl();
    const prefix = uniquePrefix('shared');
    prefixes.push([url, prefix]);
    const limiters = Array.from({ length: 3 }, () =>
      createAccountLimiter({ redis: { url }, keyPrefix: prefix, windowMs: WINDOW_MS, perMinute: { add: LIMIT }, metrics: createMetrics(), logger: silentLogger() }),
    );
    const start = Date.now();
    const grants = await hammer(limiters, 4, start + 4 * WINDOW_MS);
    await Promise.all(limiters.map((l) => l.close()));
    const all = grants.flat();
    expect(maxInSlidingWindow(all, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
    expect(budgetUse(all.filter((t) => t < start + 4 * WINDOW_MS), LIMIT, WINDOW_MS)).toBeGreaterThanOrEqual(0.9);
    for (const g of grants) expect(g.length).toBeGreaterThan(LIMIT / 2);
  });

  it('keeps going on a local share while Redis is down, says so, and returns when it is back', async () => {
    const redis = await startPrivateRedis();
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ destination: sink });
    const metrics = createMetrics();
    const limiter = createAccountLimiter({
      redis: { url: redis.url },
      keyPrefix: uniquePrefix('outage'),
      windowMs: OUTAGE_WINDOW_MS,
      perMinute: { add: LIMIT },
      expectedReplicas: 4,
      commandTimeoutMs: 200,
      probeIntervalMs: 200,
      metrics,
      logger,
    });
    try {
      const start = Date.now();
      const before = await hammer([limiter], 2, start + OUTAGE_WINDOW_MS);
      await redis.stop();
      const outageStart = Date.now();
      const during = await hammer([limiter], 2, outageStart + 2 * OUTAGE_WINDOW_MS);
      expect(limiter.status().fallbackActive).toBe(true);
      expect((await metrics.rateLimitFallback.get()).values[0]?.value).toBe(1);
      await redis.start();
      const back = Date.now();
      const after = await hammer([limiter], 2, back + 2 * OUTAGE_WINDOW_MS);
      expect(limiter.status().fallbackActive).toBe(false);
      expect((await metrics.rateLimitFallback.get()).values[0]?.value).toBe(0);

      // Calls went on during the outage, at no more than the share (20 / 4) in any window
      // that lies inside the outage, and never above the limit overall.
      expect(during[0]!.length).toBeGreaterThan(0);
      const inside = during[0]!.filter((t) => t >= outageStart + OUTAGE_WINDOW_MS);
      expect(maxInSlidingWindow(inside, OUTAGE_WINDOW_MS)).toBeLessThanOrEqual(LIMIT / 4);
      expect(maxInSlidingWindow([...before[0]!, ...during[0]!, ...after[0]!], OUTAGE_WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
      // Back on Redis, the whole limit is used again.
      expect(after[0]!.filter((t) => t >= back + OUTAGE_WINDOW_MS).length).toBeGreaterThan(LIMIT / 2);
      const logged = lines.map((l) => JSON.parse(l) as { msg: string; level: number });
      expect(logged.some((l) => l.level === 40 && l.msg.includes('fall back'))).toBe(true);
      expect(logged.some((l) => l.level === 30 && l.msg.includes('reachable again'))).toBe(true);
    } finally {
      await limiter.close();
      await redis.stop();
    }
  });
});
