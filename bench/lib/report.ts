/**
 * What every service benchmark records beside its figures (machine, Node, date, load), and how
 * it writes bench/results/<name>.json. Medians are taken over runs; the load average is read at
 * the start of each run because the machine is shared and the figures mean little without it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export interface Machine {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly freeMemoryGiB: number;
  readonly loadAverage1mAtStart: number;
}

export function machine(): Machine {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGiB: round(freemem() / 2 ** 30, 1),
    loadAverage1mAtStart: load1m(),
  };
}

export function load1m(): number {
  return round(loadavg()[0] ?? 0, 2);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Writes bench/results/<name>.json and returns its path. */
export function writeResult(name: string, result: object): string {
  const out = join(resultsDir, `${name}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  return out;
}

export const verdict = (met: boolean): string => (met ? 'goal met' : 'GOAL MISSED');

/** Command-line flags of a benchmark script: `--runs 3`, `--profile`. */
export function flags(argv: readonly string[] = process.argv.slice(2)): { runs: number; profile: boolean } {
  const at = argv.indexOf('--runs');
  const runs = at >= 0 ? Number(argv[at + 1]) : 3;
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs needs a positive integer (got ${argv[at + 1] ?? ''})`);
  return { runs, profile: argv.includes('--profile') };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
