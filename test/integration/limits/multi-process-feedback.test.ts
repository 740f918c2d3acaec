/**
 * What DotDigital says reaches every process: a new limit from the sandbox's headers, and a
 * 429's cool-down. Separate OS processes, the stack's Redis, the window scaled to WINDOW_MS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { maxInSlidingWindow } from '../../unit/limits/sliding.js';
import { deleteKeys, stackRedisUrl, uniquePrefix } from './redis.js';
import { budgetUse, sandboxCalls, sleep, startReplicas, type Worker } from './replicas.js';

const WINDOW_MS = 3_000;

describe('DotDigital feedback shared by separate processes', () => {
  let sandbox: Sandbox;
  const url = stackRedisUrl();
  const prefix = uniquePrefix('feedback');
  let workers: Worker[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ accounts: [], limitWindowMs: WINDOW_MS });
  });
  afterAll(async () => {
    for (const w of workers) w.kill();
    await sandbox.close();
    await deleteKeys(url, prefix);
  });

  it('a lower limit announced by the sandbox reaches processes that never saw it themselves', async () => {
    const accountId = 7401;
    workers = await startReplicas(sandbox, { accountId, windowMs: WINDOW_MS, limit: 60, redisUrl: url, keyPrefix: prefix, processes: 3, connectorsPerProcess: 2 });
    const [first, ...later] = workers;
    const start = Date.now();
    first!.go(5 * WINDOW_MS);
    await sleep(WINDOW_MS);
    sandbox.control.setLimit(accountId, 'addressBooks', 30);
    // Only the first process calls (and so hears the new limit) until the others start.
    await sleep(1.5 * WINDOW_MS);
    const joined = Date.now();
    for (const w of later) w.go(start + 5 * WINDOW_MS - joined);
    const done = await Promise.all(workers.map((w) => w.done));

    // The late processes used 30 from their first call: had they started from the default of
    // 60, their first burst would have drawn 429s.
    const calls = sandboxCalls(sandbox, accountId);
    expect(calls.filter((c) => c.status === '429' && c.at >= joined)).toEqual([]);
    for (const w of later) {
      const statuses = w.lines.filter((l) => l.type === 'status');
      expect(statuses[0]?.learnt).toContainEqual({ scope: 'addressBooks', limit: 30 });
      expect(statuses.at(-1)?.learnt).toContainEqual({ scope: 'addressBooks', limit: 30 });
    }
    const grants = done.flatMap((d) => d.grants).filter((t) => t >= joined);
    expect(maxInSlidingWindow(grants, WINDOW_MS)).toBeLessThanOrEqual(30);
    const afterJoin = calls.filter((c) => c.at >= joined).map((c) => c.at);
    expect(afterJoin.length).toBeGreaterThan(2 * 30);
    expect(budgetUse(afterJoin, 30, WINDOW_MS)).toBeGreaterThanOrEqual(0.9);
  });

  it('a 429 seen by one process pauses every process until the reset time', async () => {
    const accountId = 7501;
    // A budget far above what the workers use (each loop calls every 20 ms): only the 429 stops them.
    workers = await startReplicas(sandbox, {
      accountId,
      windowMs: WINDOW_MS,
      limit: 100_000,
      redisUrl: url,
      keyPrefix: prefix,
      processes: 3,
      connectorsPerProcess: 2,
      extra: { thinkMs: 20 },
    });
    for (const w of workers) w.go(WINDOW_MS + 6_000);
    await sleep(WINDOW_MS);
    sandbox.control.setFaults({ tooManyRequestsRate: 1, maxFaults: 1, scopes: ['addressBooks'] });
    await Promise.all(workers.map((w) => w.done));
    sandbox.control.clearFaults();

    expect(sandbox.callCount({ scope: 'addressBooks', status: '429' })).toBe(1);
    // The sandbox keeps only its latest calls: the workers' own lines tell when calls ended.
    const calls = workers.flatMap((w) => w.lines.filter((l) => l.type === 'call'));
    const storm = calls.filter((c) => c.code !== undefined);
    expect(storm.map((c) => c.code)).toEqual(['DD_RATE_LIMITED']);
    const t429 = storm[0]!.at;
    // The reset header is at least one second away (whole seconds); calls granted before the
    // cool-down was written may still end in the first few milliseconds.
    expect(calls.filter((c) => c.at > t429 + 100 && c.at < t429 + 900)).toEqual([]);
    for (const w of workers) {
      const own = w.lines.filter((l) => l.type === 'call');
      expect(own.filter((c) => c.at < t429).length).toBeGreaterThan(50);
      expect(own.filter((c) => c.at > t429 + 1_000).length).toBeGreaterThan(50);
      const paused = w.lines.filter((l) => l.type === 'status' && l.cooldowns.some((c) => c.scope === 'addressBooks' && c.untilMs >= t429 + 900));
      expect(paused.length).toBeGreaterThan(0);
    }
  });
});
