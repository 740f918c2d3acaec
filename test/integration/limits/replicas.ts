/**
 * Drives the multi-process limit tests: a sandbox account, and workers (worker.ts), each a
 * separate Node process with its own limiter and Redis connection, sharing that account.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '../../../src/sandbox/index.js';
import type { WorkerConfig, WorkerLine } from './worker.js';

const workerPath = fileURLToPath(new URL('./worker.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface Worker {
  readonly name: string;
  readonly lines: WorkerLine[];
  readonly ready: Promise<void>;
  readonly done: Promise<Extract<WorkerLine, { type: 'done' }>>;
  go(runMs: number): void;
  kill(): void;
}

export function spawnWorker(config: WorkerConfig): Worker {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', workerPath, JSON.stringify(config)], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: WorkerLine[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let doneLine: Extract<WorkerLine, { type: 'done' }> | undefined;
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as WorkerLine;
    lines.push(line);
    if (line.type === 'ready') markReady();
    if (line.type === 'done') doneLine = line;
  });
  const done = once(child, 'exit').then(([code]) => {
    if (code !== 0 || !doneLine) throw new Error(`worker ${config.name} exited with ${String(code)}: ${stderr}`);
    return doneLine;
  });
  return {
    name: config.name,
    lines,
    ready: Promise.race([ready, done.then(() => undefined)]),
    done,
    go: (runMs) => child.stdin?.write(JSON.stringify({ runMs }) + '\n'),
    kill: () => child.kill('SIGKILL'),
  };
}

export interface Setup {
  readonly accountId: number;
  readonly windowMs: number;
  readonly limit: number;
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly processes: number;
  readonly connectorsPerProcess: number;
  readonly expectedReplicas?: number;
  readonly extra?: Partial<WorkerConfig>;
}

export const apiUser = (accountId: number, p: number, c: number) => ({
  connectorId: `acct${accountId}-p${p}-c${c}`,
  username: `apiuser-${accountId}-p${p}-c${c}@apiconnector.com`,
  password: `pw-${accountId}-${p}-${c}`,
});

/** Adds the account (limit per window on address-book calls) and starts its workers, ready to go. */
export async function startReplicas(sandbox: Sandbox, s: Setup): Promise<Worker[]> {
  const users = Array.from({ length: s.processes }, (_, p) => Array.from({ length: s.connectorsPerProcess }, (_, c) => apiUser(s.accountId, p, c)));
  sandbox.control.addAccount({
    id: s.accountId,
    region: 'r1',
    apiUsers: users.flat().map(({ username, password }) => ({ username, password })),
    limits: { addressBooks: s.limit, accountInfo: 10_000 },
  });
  const workers = users.map((connectors, p) =>
    spawnWorker({
      name: `p${p}`,
      redisUrl: s.redisUrl,
      keyPrefix: s.keyPrefix,
      r1BaseUrl: sandbox.r1BaseUrl,
      connectors,
      windowMs: s.windowMs,
      adminPerWindow: s.limit,
      expectedReplicas: s.expectedReplicas ?? s.processes,
      learnRefreshMs: 500,
      statusEveryMs: 200,
      ...s.extra,
    }),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (err) {
    for (const w of workers) w.kill();
    throw err;
  }
  return workers;
}

/** The account's address-book calls as the sandbox logged them. */
export function sandboxCalls(sandbox: Sandbox, accountId: number) {
  return sandbox.calls(1_000_000).filter((c) => c.accountId === accountId && c.scope === 'addressBooks');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Share of the limit used, over whole windows as the sandbox counts them (a window opens at
 * the first call after the previous one closed): calls from the first window's opening to
 * the last one's, against limit per windowMs over that time. Undefined with fewer than two
 * windows. Whole windows because the calls come in bursts: a cut through a burst would
 * count it in or out by chance.
 */
export function budgetUse(times: readonly number[], limit: number, windowMs: number): number | undefined {
  const sorted = [...times].sort((a, b) => a - b);
  const opens: number[] = [];
  for (const t of sorted) if (opens.length === 0 || t >= opens.at(-1)! + windowMs) opens.push(t);
  if (opens.length < 2) return undefined;
  const first = opens[0]!;
  const last = opens.at(-1)!;
  const used = sorted.filter((t) => t < last).length;
  return used / ((limit * (last - first)) / windowMs);
}
