/**
 * Regenerates the reference tables of docs/operations.md from the code, between markers
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`: config keys (src/config-spec.ts),
 * metrics (src/metrics.ts), error codes (src/errors.ts), CLI usage (src/cli.ts) and the
 * connectors file format (src/connectors/file.ts). The prose around them is written by hand.
 *
 *   npx tsx scripts/gen-docs.ts          rewrite the file
 *   npx tsx scripts/gen-docs.ts --check  exit 1 when the committed file is out of date
 *
 * test/unit/docs/operations.test.ts fails when the committed doc differs from what this makes.
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main as cli } from '../src/cli.js';
import { CONFIG_KEYS, type KeySpec } from '../src/config-spec.js';
import { ERROR_CODES } from '../src/errors.js';
import { silentLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';

export const DOC_PATH = fileURLToPath(new URL('../docs/operations.md', import.meta.url));
const CONNECTORS_SOURCE = fileURLToPath(new URL('../src/connectors/file.ts', import.meta.url));

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function configDefault(k: KeySpec): string {
  if (k.default !== undefined) return k.default === '' ? '(empty)' : `\`${k.default}\``;
  return k.optional === true ? 'unset' : '**required**';
}

function configRange(k: KeySpec): string {
  if (k.values !== undefined) return k.values.join(', ');
  if (k.min !== undefined && k.max !== undefined) return `${k.min}..${k.max}`;
  if (k.min !== undefined) return `>= ${k.min}`;
  return '';
}

export function configTable(): string {
  const rows = CONFIG_KEYS.map((k) => {
    const secret = k.type === 'secret' ? ' Also `' + k.env + '_FILE` (a file holding it).' : '';
    return `| \`${k.env}\` | ${k.type} | ${configDefault(k)} | ${k.unit ?? ''} | ${configRange(k)} | ${cell(k.description)}${secret} |`;
  });
  return ['| Key | Type | Default | Unit | Allowed | Meaning |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

export interface MetricInfo {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly labels: readonly string[];
}

/** Every metric createMetrics() registers (without the process defaults). */
export function registeredMetrics(): MetricInfo[] {
  return createMetrics()
    .registry.getMetricsAsArray()
    .map((m) => ({ name: m.name, type: String(m.type), help: m.help, labels: (m as { labelNames?: readonly string[] }).labelNames ?? [] }));
}

export function metricsTable(): string {
  const rows = registeredMetrics().map((m) => `| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ')} | ${cell(m.help)} |`);
  return ['| Metric | Type | Labels | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function errorCodesTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, info]) => `| \`${code}\` | ${info.retryable ? 'yes' : 'no'} | ${info.scope} | ${cell(info.description)} |`);
  return ['| Code | Retryable | Scope | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** What `dotdigital-sync ...args` prints on stdout. */
async function cliOutput(args: readonly string[]): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  try {
    await cli(args, silentLogger());
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('').trimEnd();
}

/** Command names as the top-level usage lists them. */
export async function cliCommands(): Promise<string[]> {
  const usage = await cliOutput(['--help']);
  return [...usage.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1] ?? '');
}

export async function cliReference(): Promise<string> {
  const parts = ['```text', await cliOutput(['--help']), '```'];
  for (const name of await cliCommands()) {
    parts.push('', `### \`${name}\``, '', '```text', await cliOutput([name, '--help']), '```');
  }
  return parts.join('\n');
}

/** The format described by the header comment of src/connectors/file.ts. */
export function connectorsFormat(): string {
  const source = readFileSync(CONNECTORS_SOURCE, 'utf8');
  const header = /^\/\*\*\n([\s\S]*?)\n \*\//.exec(source)?.[1] ?? '';
  const lines = header.split('\n').map((l) => l.replace(/^ \*( |$)/, ''));
  const example = lines.findIndex((l) => l.startsWith('  connectors:'));
  const prose = lines.slice(0, example).join(' ').replace(/\s+/g, ' ').trim();
  const yaml = lines.slice(example).map((l) => l.slice(2)).join('\n').trimEnd();
  return [prose, '', '```yaml', yaml, '```'].join('\n');
}

export async function sections(): Promise<Record<string, string>> {
  return { config: configTable(), metrics: metricsTable(), 'error-codes': errorCodesTable(), cli: await cliReference(), connectors: connectorsFormat() };
}

/** Replaces the body of every marked section; throws when a marker is missing. */
export function render(doc: string, generated: Readonly<Record<string, string>>): string {
  let out = doc;
  for (const [name, body] of Object.entries(generated)) {
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`docs/operations.md has no <!-- generated:${name} --> ... <!-- /generated:${name} --> section`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${body}\n${close}`);
  }
  return out;
}

async function run(): Promise<void> {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const next = render(doc, await sections());
  if (process.argv.includes('--check')) {
    if (next !== doc) {
      process.stderr.write('docs/operations.md is out of date: run npx tsx scripts/gen-docs.ts\n');
      process.exitCode = 1;
    }
    return;
  }
  if (next !== doc) writeFileSync(DOC_PATH, next);
  process.stdout.write(next === doc ? 'docs/operations.md is up to date\n' : 'docs/operations.md regenerated\n');
}

const entry = process.argv[1];
if (entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url))) await run();
