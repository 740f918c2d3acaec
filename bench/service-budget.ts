/**
 * Benchmark 3, budget use (not a test). Needs the local stack's Redis (npm run stack:up).
 *
 * One sandbox account at its default tiered limits (75 imports and 35 bulk deletes per window),
 * the window scaled from 60 s to WINDOW_MS (job delays and poll waits scaled alike). PROCESSES
 * separate Node processes (bench/lib/budget-worker.ts), each a service replica's sending half with
 * all CONNECTORS connectors of the account, its own limiter and Redis connection, keep a backlog
 * of adds and removes flowing for WINDOWS windows. From the sandbox's call log: accepted calls ÷
 * the calls the limit allows over the whole windows the sandbox counted, per scope, and the 429s.
 * Goals: ≥ 0.9 and no 429. Writes bench/results/service-budget.json; the last line is the summary.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, type CallEntry, type LimitScope } from '../src/sandbox/index.js';
import { uniqueName } from '../test/integration/helpers/stack-env.js';
import { deleteKeys } from '../test/integration/limits/redis.js';
import { stackEnv } from '../test/integration/helpers/stack-env.js';
import type { WorkerConfig, WorkerDone } from './lib/budget-worker.js';
import { ACCOUNT_ID, benchSandbox, connector, scaled } from './lib/dotdigital.js';
import { flags, load1m, machine, median, round, verdict, writeResult } from './lib/report.js';

const SCALE = 10;
const WINDOWS = 7;
const PROCESSES = 3;
const CONNECTORS = 4;
const CONCURRENCY = 8;
const SCOPES = ['contactImport', 'contactDelete'] as const satisfies readonly LimitScope[];
const GOAL_USE = 0.9;

const { runs } = flags();
const time = scaled(SCALE);
const workerPath = fileURLToPath(new URL('./lib/budget-worker.ts', import.meta.url));

interface Worker {
  readonly ready: Promise<void>;
  readonly done: Promise<WorkerDone>;
  go(runMs: number): void;
  kill(): void;
}

function spawnWorker(config: WorkerConfig): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', workerPath, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let last: WorkerDone | undefined;
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as { type: string };
    if (line.type === 'ready') markReady();
    if (line.type === 'done') last = line as WorkerDone;
  });
  const done = once(child, 'exit').then(([code]) => {
    if (code !== 0 || last === undefined)
      throw new Error(`budget worker ${config.name} exited with ${String(code)}: ${stderr}`);
    return last;
  });
  return {
    ready: Promise.race([ready, done.then(() => undefined)]),
    done,
    go: (runMs) => child.stdin.write(`${JSON.stringify({ runMs })}\n`),
    kill: () => child.kill('SIGKILL'),
  };
}

/**
 * Accepted calls of a scope ÷ what its limit allows, over whole windows as the sandbox counts
 * them (a window opens at the first call after the previous one closed): from the first window's
 * opening to the last one's. Whole windows, because calls come in bursts at window starts.
 */
function budgetUse(
  calls: readonly CallEntry[],
  scope: LimitScope,
  limit: number,
): { use: number; windows: number; accepted: number } {
  const inScope = calls.filter((c) => c.scope === scope).sort((a, b) => a.at - b.at);
  const opens: number[] = [];
  for (const c of inScope)
    if (opens.length === 0 || c.at >= opens.at(-1)! + time.limitWindowMs) opens.push(c.at);
  if (opens.length < 2) return { use: Number.NaN, windows: opens.length, accepted: 0 };
  const first = opens[0]!;
  const last = opens.at(-1)!;
  const accepted = inScope.filter((c) => c.at < last && c.status.startsWith('2')).length;
  return {
    use: accepted / ((limit * (last - first)) / time.limitWindowMs),
    windows: opens.length - 1,
    accepted,
  };
}

async function run(r: number) {
  const loadAverage1m = load1m();
  const accountId = ACCOUNT_ID + 1 + r;
  const { sandbox, bookIds } = await benchSandbox(time, CONNECTORS, CONNECTORS, 1_000_000, accountId);
  const keyPrefix = `${uniqueName('bench-budget')}:`;
  const connectors = Array.from({ length: CONNECTORS }, (_, c) => connector(accountId, c));
  const workers = Array.from({ length: PROCESSES }, (_, p) =>
    spawnWorker({
      name: `r${r}p${p}`,
      index: p,
      r1BaseUrl: sandbox.r1BaseUrl,
      keyPrefix,
      time,
      connectors,
      books: bookIds,
      processes: PROCESSES,
      concurrency: CONCURRENCY,
    }),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go(WINDOWS * time.limitWindowMs);
    const done = await Promise.all(workers.map((w) => w.done));
    const calls = sandbox.calls(1_000_000).filter((c) => c.accountId === accountId);
    const scopes = Object.fromEntries(SCOPES.map((s) => [s, budgetUse(calls, s, DEFAULT_LIMITS[s])]));
    const status429 = calls.filter((c) => c.status === '429').length;
    const deadLetters = done.reduce((n, d) => n + Object.values(d.deadLetters).reduce((a, b) => a + b, 0), 0);
    const result = { loadAverage1m, scopes, status429, deadLetters, workers: done };
    console.log(
      `run ${r + 1}: ${SCOPES.map((s) => `${s} ${round(scopes[s]!.use)} (${scopes[s]!.accepted} accepted over ${scopes[s]!.windows} windows)`).join(', ')}, ${status429} 429s (load ${loadAverage1m})`,
    );
    return result;
  } finally {
    for (const w of workers) w.kill();
    await sandbox.close();
    await deleteKeys(stackEnv().redisUrl, keyPrefix);
  }
}

const info = machine();
const results: Awaited<ReturnType<typeof run>>[] = [];
for (let r = 0; r < runs; r++) results.push(await run(r));

const useOf = (s: (typeof SCOPES)[number]) =>
  round(median(results.map((x) => x.scopes[s]?.use ?? Number.NaN)));
const uses = Object.fromEntries(SCOPES.map((s) => [s, useOf(s)])) as Record<(typeof SCOPES)[number], number>;
const status429 = median(results.map((x) => x.status429));
const minUse = Math.min(...Object.values(uses));
const met = { use: minUse >= GOAL_USE, status429: status429 === 0 };
const out = writeResult('service-budget', {
  ...info,
  processes: PROCESSES,
  connectorsPerProcess: CONNECTORS,
  sendConcurrencyPerProcess: CONCURRENCY,
  timeScale: SCALE,
  limitWindowMs: time.limitWindowMs,
  windows: WINDOWS,
  limits: Object.fromEntries(SCOPES.map((s) => [s, DEFAULT_LIMITS[s]])),
  acceptedOverAllowed: uses,
  status429: { median: status429, runs: results.map((x) => x.status429) },
  runs: results,
  goals: { acceptedOverAllowed: GOAL_USE, status429: 0 },
  met,
});
console.log(`results: ${out}`);
console.log(
  `service-budget: ${PROCESSES} processes × ${CONNECTORS} connectors used ${SCOPES.map((s) => `${uses[s]} of the ${s} budget`).join(' and ')} (goal >= ${GOAL_USE}), ${status429} 429s (goal 0), medians of ${runs}: ${verdict(met.use && met.status429)}`,
);
