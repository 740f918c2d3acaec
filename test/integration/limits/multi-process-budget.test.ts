/**
 * Separate OS processes sharing one sandbox account through the stack's Redis: together they
 * stay under the account's limit (zero 429s, no W-long window of grants above it) while
 * using at least 90% of it. The minute is scaled down to WINDOW_MS (the sandbox's
 * limitWindowMs and the limiter's windowMs), same semantics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { maxInSlidingWindow } from '../../unit/limits/sliding.js';
import { deleteKeys, stackRedisUrl, uniquePrefix } from './redis.js';
import { budgetUse, sandboxCalls, startReplicas, type Worker } from './replicas.js';

const WINDOW_MS = 3_000;
const LIMIT = 60;
const RUN_MS = 3 * WINDOW_MS;

describe('account budget shared by separate processes', () => {
  let sandbox: Sandbox;
  const url = stackRedisUrl();
  const prefix = uniquePrefix('procs');
  let workers: Worker[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ accounts: [], limitWindowMs: WINDOW_MS, importDelayMs: 10, deletionDelayMs: 10 });
  });
  afterAll(async () => {
    for (const w of workers) w.kill();
    await sandbox.close();
    await deleteKeys(url, prefix);
  });

  for (const [processes, accountId] of [
    [2, 7201],
    [3, 7301],
  ] as const) {
    it(`${processes} processes × 2 connectors: zero 429s, every window under ${LIMIT}, at least 90% of the limit used`, async () => {
      workers = await startReplicas(sandbox, { accountId, windowMs: WINDOW_MS, limit: LIMIT, redisUrl: url, keyPrefix: prefix, processes, connectorsPerProcess: 2 });
      for (const w of workers) w.go(RUN_MS);
      const done = await Promise.all(workers.map((w) => w.done));

      const calls = sandboxCalls(sandbox, accountId);
      expect(calls.filter((c) => c.status === '429')).toEqual([]);
      const grants = done.flatMap((d) => d.grants);
      expect(maxInSlidingWindow(grants, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
      expect(calls.length).toBeGreaterThan(2 * LIMIT);
      expect(budgetUse(calls.map((c) => c.at), LIMIT, WINDOW_MS)).toBeGreaterThanOrEqual(0.9);
      // Every process and every connector had its share.
      for (const w of workers) {
        const byConnector = new Map<string, number>();
        for (const l of w.lines) if (l.type === 'call') byConnector.set(l.connectorId, (byConnector.get(l.connectorId) ?? 0) + 1);
        expect([...byConnector.values()]).toHaveLength(2);
        for (const n of byConnector.values()) expect(n).toBeGreaterThan(LIMIT / (processes * 2) / 2);
      }
    });
  }
});
