/**
 * Benchmark of src/limits (not a test). Needs the local stack's Redis (npm run stack:up).
 * Writes bench/results/limits.json and ends with one summary line.
 *
 *   npx tsx bench/limits.ts
 *
 * 1. Acquire overhead: one limiter on the stack Redis, a budget no run can exhaust, ACQUIRES
 *    sequential acquires (nothing waits: the figure is the limiter's own cost, two Redis round
 *    trips per token), then the same with CONCURRENT connectors acquiring at once.
 * 2. Budget use: 3 processes × 4 connectors (test/integration/limits/worker.ts, each process its
 *    own limiter and Redis connection) on one sandbox account whose limit is LIMIT per
 *    WINDOW_MS (the minute scaled down, same semantics), for WINDOWS windows. Accepted calls ÷
 *    the calls the limit allows over whole windows, and the 429s the sandbox answered.
 *    Goals: use >= 0.9 and no 429.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccountLimiter } from '../src/limits/index.js';
import { silentLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { startSandbox } from '../src/sandbox/index.js';
import { maxInSlidingWindow } from '../test/unit/limits/sliding.js';
import { stackEnv, uniqueName } from '../test/integration/helpers/stack-env.js';
import { deleteKeys } from '../test/integration/limits/redis.js';
import { budgetUse, sandboxCalls, startReplicas } from '../test/integration/limits/replicas.js';

const ACQUIRES = 5_000;
const CONCURRENT = 4;
const WINDOW_MS = 6_000;
const LIMIT = 75;
const WINDOWS = 5;
const PROCESSES = 3;
const CONNECTORS = 4;
const GOAL_USE = 0.9;

const here = dirname(fileURLToPath(import.meta.url));
const redisUrl = stackEnv().redisUrl;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
const round = (ms: number): number => Math.round(ms * 1000) / 1000;

async function overhead(connectors: number): Promise<{ p50: number; p99: number; mean: number; max: number }> {
  const prefix = `${uniqueName('bench-limits')}:`;
  const limiter = createAccountLimiter({
    redis: { url: redisUrl },
    keyPrefix: prefix,
    perMinute: { add: 1_000_000 },
    metrics: createMetrics(),
    logger: silentLogger(),
  });
  const times: number[] = [];
  try {
    // Warm-up: connection, clock offset, learnt facts.
    for (let i = 0; i < 100; i++) await limiter.gate.acquire({ connectorId: 'warm', accountId: '1', operation: 'add' });
    await Promise.all(
      Array.from({ length: connectors }, async (_, c) => {
        for (let i = 0; i < ACQUIRES / connectors; i++) {
          const started = performance.now();
          await limiter.gate.acquire({ connectorId: `c${c}`, accountId: '1', operation: 'add' });
          times.push(performance.now() - started);
        }
      }),
    );
    if (limiter.status().fallbackActive) throw new Error('the limiter fell back to memory: the figures would not be Redis figures');
  } finally {
    await limiter.close();
    await deleteKeys(redisUrl, prefix);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { p50: round(percentile(times, 0.5)), p99: round(percentile(times, 0.99)), mean: round(mean), max: round(times.at(-1) ?? 0) };
}

async function budget(): Promise<{ use: number; calls: number; tooMany: number; maxInWindow: number }> {
  const sandbox = await startSandbox({ accounts: [], limitWindowMs: WINDOW_MS });
  const prefix = `${uniqueName('bench-limits')}:`;
  const accountId = 9901;
  try {
    const workers = await startReplicas(sandbox, {
      accountId,
      windowMs: WINDOW_MS,
      limit: LIMIT,
      redisUrl,
      keyPrefix: prefix,
      processes: PROCESSES,
      connectorsPerProcess: CONNECTORS,
    });
    for (const w of workers) w.go(WINDOWS * WINDOW_MS);
    const done = await Promise.all(workers.map((w) => w.done));
    const calls = sandboxCalls(sandbox, accountId);
    return {
      use: budgetUse(calls.map((c) => c.at), LIMIT, WINDOW_MS) ?? 0,
      calls: calls.length,
      tooMany: sandbox.callCount({ scope: 'addressBooks', status: '429' }),
      maxInWindow: maxInSlidingWindow(done.flatMap((d) => d.grants), WINDOW_MS),
    };
  } finally {
    await sandbox.close();
    await deleteKeys(redisUrl, prefix);
  }
}

const sequential = await overhead(1);
const concurrent = await overhead(CONCURRENT);
const shared = await budget();

const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  loadAverage1m: loadavg()[0] ?? 0,
  acquireOverheadMs: { sequential, [`concurrent${CONCURRENT}`]: concurrent, acquires: ACQUIRES },
  budget: {
    processes: PROCESSES,
    connectorsPerProcess: CONNECTORS,
    limit: LIMIT,
    windowMs: WINDOW_MS,
    windows: WINDOWS,
    acceptedOverAllowed: Math.round(shared.use * 1000) / 1000,
    calls: shared.calls,
    status429: shared.tooMany,
    maxGrantsInAnyWindow: shared.maxInWindow,
  },
  goals: { acceptedOverAllowed: GOAL_USE, status429: 0 },
  met: { acceptedOverAllowed: shared.use >= GOAL_USE, status429: shared.tooMany === 0 },
};
const out = join(here, 'results', 'limits.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
for (const [what, o] of [['sequential', sequential], [`${CONCURRENT} connectors at once`, concurrent]] as const) {
  console.log(`acquire overhead, ${what}: p50 ${o.p50} ms, p99 ${o.p99} ms, mean ${o.mean} ms (max ${o.max})`);
}
console.log(`budget: ${shared.calls} calls, max ${shared.maxInWindow} granted in any ${WINDOW_MS} ms window (limit ${LIMIT})`);
console.log(`results: ${out}`);
const verdict = result.met.acceptedOverAllowed && result.met.status429 ? 'goals met' : 'GOAL MISSED';
console.log(
  `limits: acquire p50 ${sequential.p50} ms / p99 ${sequential.p99} ms; ${PROCESSES}×${CONNECTORS} connectors used ${result.budget.acceptedOverAllowed} of the budget (goal >= ${GOAL_USE}), ${shared.tooMany} 429s (goal 0): ${verdict}`,
);
