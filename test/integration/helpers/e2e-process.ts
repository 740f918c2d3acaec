/**
 * The real CLI (`node --import tsx src/cli.ts run`) as a child process, for tests that kill,
 * stop and add service processes: its log, its HTTP port, its exit, and its metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './events.js';

const cli = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
const LOG_KEEP = 2_000_000;

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Exit code, or the signal's name when killed. */
  readonly exited: Promise<number | string>;
  readonly hasExited: () => boolean;
  output(): string;
  /** Resolves once the service logged that it runs; its HTTP port. */
  running(timeoutMs?: number): Promise<number>;
  metrics(): Promise<string>;
}

export function spawnService(name: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'run'], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (d: Buffer) => {
    output += d.toString();
    if (output.length > LOG_KEEP) output = output.slice(-LOG_KEEP / 2);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let exitedFlag = false;
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      exitedFlag = true;
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  let port: number | undefined;
  const findPort = (): boolean => {
    const line = output.split('\n').find((l) => l.includes('"msg":"dotdigital-sync running"'));
    if (line === undefined) return false;
    port = (JSON.parse(line) as { httpPort: number }).httpPort;
    return true;
  };
  return {
    name,
    child,
    exited,
    hasExited: () => exitedFlag,
    output: () => output,
    async running(timeoutMs = 60_000) {
      await waitFor(
        `${name} running`,
        () => {
          if (exitedFlag) throw new Error(`${name} exited before running:\n${output.slice(-3000)}`);
          return findPort();
        },
        timeoutMs,
      );
      return port!;
    },
    async metrics() {
      if (port === undefined && !findPort()) throw new Error(`${name} is not running`);
      return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    },
  };
}

/** Sum of a metric's samples whose labels include every given one (0 when absent). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const have = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/** Stops whatever is still running (SIGKILL: cleanup after a failed test must not hang). */
export async function killAll(processes: readonly ServiceProcess[]): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if (p.hasExited()) return;
      p.child.kill('SIGKILL');
      await p.exited;
    }),
  );
}
