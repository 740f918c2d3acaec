// `npm run bench` runs every benchmark (bench/*.ts), one after the other, each in its own Node
// process under Node 24 (scripts/use-node.sh puts it on PATH; the node that runs this file may be
// older), and prints each one's summary line (its last line) at the end.
//
//   npm run bench                          all of them (~20 minutes; needs `npm run stack:up`)
//   npm run bench -- service-api limits    only those named (the file name without .ts)
//   npm run bench -- service-api --runs 5  options after the names go to every benchmark run
//                                          (the service-* ones take --runs N and --profile)
//
// Goals missed are reported, never turned into a failing exit code: these are measurements, not
// tests. A benchmark that crashes does make the exit code non-zero.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const ORDER = [
  'windowing',
  'limits',
  'service-throughput',
  'service-api',
  'service-budget',
  'service-memory',
  'service-backfill',
];

const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

function rank(name) {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
}

const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('--'));
const names = firstOption < 0 ? args : args.slice(0, firstOption);
const options = firstOption < 0 ? [] : args.slice(firstOption);
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  console.error(`no benchmark named ${unknown.join(', ')}; there are: ${available.join(', ')}`);
  process.exit(2);
}
const chosen = names.length > 0 ? available.filter((n) => names.includes(n)) : available;

/** Runs one benchmark; resolves to its last non-empty output line and exit code. */
function runOne(name) {
  return new Promise((resolve) => {
    const script = '. scripts/use-node.sh >/dev/null && exec node --import tsx "$@"';
    const child = spawn('bash', ['-c', script, 'bench', join('bench', `${name}.ts`), ...options], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let last = '';
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') last = line;
    });
    child.on('close', (code) => {
      if (pending.trim() !== '') last = pending;
      resolve({ last, code: code ?? 1 });
    });
  });
}

const started = Date.now();
const summaries = [];
let failed = 0;
for (const name of chosen) {
  console.log(`\n=== ${name} (load average ${loadavg()[0].toFixed(2)} at start) ===`);
  const t0 = Date.now();
  const { last, code } = await runOne(name);
  const seconds = Math.round((Date.now() - t0) / 1000);
  if (code !== 0) failed++;
  summaries.push(
    code === 0 ? `${last}  [${seconds} s]` : `${name}: FAILED (exit ${code}) after ${seconds} s`,
  );
}
console.log(
  `\n=== summary (${Math.round((Date.now() - started) / 60_000)} min; results in bench/results/) ===`,
);
for (const line of summaries) console.log(line);
process.exitCode = failed > 0 ? 1 : 0;
