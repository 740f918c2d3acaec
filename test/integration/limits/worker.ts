/**
 * One replica for the multi-process limit tests and the limits benchmark: its own account
 * limiter (its own Redis connection) wired into the real DotDigital client, calling the
 * sandbox with a cheap operation (list address books, class 'admin') from several connector
 * loops. Run as `node --import tsx worker.ts '<WorkerConfig JSON>'`.
 *
 * Protocol, JSON lines: the worker prints {type:'ready'} once its connectors have detected
 * their account, then waits for {"runMs": n} on stdin; while running it prints one
 * {type:'call'} per call and a {type:'status'} every statusEveryMs; at the end a last status
 * and {type:'done'}, then exits.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { SyncError } from '../../../src/errors.js';
import { createAccountLimiter } from '../../../src/limits/index.js';
import { silentLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { DotdigitalClient } from '../../../src/sink/client.js';
import type { ConnectorCredentials } from '../../../src/sink/types.js';

export interface WorkerConfig {
  readonly name: string;
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly r1BaseUrl: string;
  readonly connectors: readonly { connectorId: string; username: string; password: string }[];
  readonly windowMs: number;
  readonly subWindows?: number;
  readonly adminPerWindow: number;
  readonly expectedReplicas: number;
  readonly learnRefreshMs?: number;
  readonly commandTimeoutMs?: number;
  readonly probeIntervalMs?: number;
  readonly statusEveryMs: number;
  /** Pause of each connector loop between calls (default none). */
  readonly thinkMs?: number;
}

export type WorkerLine =
  | { type: 'ready'; name: string }
  | { type: 'call'; name: string; connectorId: string; at: number; code?: string }
  | {
      type: 'status';
      name: string;
      at: number;
      fallbackActive: boolean;
      learnt: { scope: string; limit: number }[];
      cooldowns: { scope: string; untilMs: number }[];
    }
  /** grants: when each token of this process was granted; acquireMs: how long each acquire took. */
  | { type: 'done'; name: string; grants: number[]; acquireMs: number[] };

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const print = (line: WorkerLine): void => void process.stdout.write(JSON.stringify(line) + '\n');

const limiter = createAccountLimiter({
  redis: { url: config.redisUrl },
  keyPrefix: config.keyPrefix,
  windowMs: config.windowMs,
  ...(config.subWindows === undefined ? {} : { subWindows: config.subWindows }),
  perMinute: { admin: config.adminPerWindow },
  expectedReplicas: config.expectedReplicas,
  ...(config.learnRefreshMs === undefined ? {} : { learnRefreshMs: config.learnRefreshMs }),
  ...(config.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: config.commandTimeoutMs }),
  ...(config.probeIntervalMs === undefined ? {} : { probeIntervalMs: config.probeIntervalMs }),
  maxWaitMs: 60_000,
  metrics: createMetrics(),
  logger: silentLogger(),
});

// The gate is timed here (not in the client) to measure the limiter's own overhead.
const grants: number[] = [];
const acquireMs: number[] = [];
const client = new DotdigitalClient({
  logger: silentLogger(),
  r1BaseUrl: config.r1BaseUrl,
  allowAnyHost: true,
  requestTimeoutMs: 10_000,
  gate: {
    acquire: async (ctx, signal) => {
      const started = performance.now();
      await limiter.gate.acquire(ctx, signal);
      acquireMs.push(performance.now() - started);
      grants.push(Date.now());
    },
  },
  observer: limiter.observer,
});

function status(): void {
  const s = limiter.status();
  print({
    type: 'status',
    name: config.name,
    at: Date.now(),
    fallbackActive: s.fallbackActive,
    learnt: s.learnt.filter((l) => l.account.startsWith('a:')).map(({ scope, limit }) => ({ scope, limit })),
    cooldowns: s.cooldowns.filter((c) => c.account.startsWith('a:')).map(({ scope, untilMs }) => ({ scope, untilMs })),
  });
}

async function loop(creds: ConnectorCredentials, untilMs: number): Promise<void> {
  while (Date.now() < untilMs) {
    let code: string | undefined;
    try {
      await client.listAddressBooks(creds);
    } catch (err) {
      code = err instanceof SyncError ? err.code : String(err);
    }
    print({ type: 'call', name: config.name, connectorId: creds.connectorId, at: Date.now(), ...(code === undefined ? {} : { code }) });
    if (config.thinkMs !== undefined) await new Promise((resolve) => setTimeout(resolve, config.thinkMs));
  }
}

async function main(): Promise<void> {
  for (const c of config.connectors) await client.detectAccount(c);
  acquireMs.length = 0;
  grants.length = 0;
  const lines = createInterface({ input: process.stdin });
  const go = once(lines, 'line') as Promise<[string]>;
  print({ type: 'ready', name: config.name });
  const [first] = await go;
  lines.close();
  const runMs = (JSON.parse(first) as { runMs: number }).runMs;
  const timer = setInterval(status, config.statusEveryMs);
  const untilMs = Date.now() + runMs;
  await Promise.all(config.connectors.map((c) => loop(c, untilMs)));
  clearInterval(timer);
  status();
  print({ type: 'done', name: config.name, grants, acquireMs });
  await client.close();
  await limiter.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`worker ${config.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
