/**
 * `dotdigital-sync sandbox`: serves the DotDigital sandbox until SIGINT/SIGTERM.
 * src/cli.ts calls runSandboxCli(argv) with the arguments after the command name.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startSandbox, type Sandbox } from './index.js';
import type { AccountSeed, SandboxOptions } from './types.js';
import { parseAccountSeed, SandboxError } from './validate.js';

export const SANDBOX_USAGE = `Usage: dotdigital-sync sandbox [--port 8090] [--host 127.0.0.1] [--seed accounts.json] [--import-delay-ms 2000]

Serves a local DotDigital API simulator. Region base URLs are http://HOST:PORT/r1, /r2, /r3;
point DOTDIGITAL_R1_BASE_URL at the r1 one and set DOTDIGITAL_ALLOW_ANY_HOST=true.
Control and inspection: http://HOST:PORT/_sandbox (see src/sandbox/router.ts).
--seed  JSON file: an array of accounts, or {"accounts": [...]} (default: the demo accounts).`;

export interface SandboxCliIo {
  readonly out: (line: string) => void;
  /** Resolves when the sandbox should stop; default: SIGINT or SIGTERM. */
  readonly stopped?: Promise<void>;
}

/** Parses argv, serves until stopped, then closes. Rejects with SandboxError on bad arguments or seed. */
export async function runSandboxCli(
  argv: readonly string[],
  io: SandboxCliIo = { out: (line) => void process.stdout.write(`${line}\n`) },
): Promise<void> {
  const options = await optionsFrom(argv);
  const sandbox = await startSandbox(options);
  printUrls(sandbox, io.out);
  await (io.stopped ?? untilSignal());
  io.out('sandbox: stopping');
  await sandbox.close();
}

export async function optionsFrom(argv: readonly string[]): Promise<SandboxOptions> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        'import-delay-ms': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new SandboxError(`${(err as Error).message}\n${SANDBOX_USAGE}`);
  }
  const port = intOption(values.port, 'port', 0, 65535) ?? 8090;
  const importDelayMs = intOption(values['import-delay-ms'], 'import-delay-ms', 0, 3_600_000);
  return {
    port,
    host: values.host ?? '127.0.0.1',
    ...(importDelayMs === undefined ? {} : { importDelayMs }),
    ...(values.seed === undefined ? {} : { accounts: await readSeed(values.seed) }),
  };
}

function intOption(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new SandboxError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

async function readSeed(path: string): Promise<AccountSeed[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (err) {
    throw new SandboxError(`--seed ${path}: ${(err as Error).message}`);
  }
  const list: unknown = Array.isArray(parsed) ? parsed : (parsed as { accounts?: unknown } | null)?.accounts;
  if (!Array.isArray(list))
    throw new SandboxError(`--seed ${path}: expected an array of accounts or {"accounts": [...]}`);
  return list.map((seed) => parseAccountSeed(seed));
}

function printUrls(sandbox: Sandbox, out: (line: string) => void): void {
  out(`sandbox: r1 ${sandbox.baseUrl('r1')}`);
  out(`sandbox: r2 ${sandbox.baseUrl('r2')}`);
  out(`sandbox: r3 ${sandbox.baseUrl('r3')}`);
  out(`sandbox: control ${sandbox.controlUrl}`);
  for (const account of sandbox.inspect().accounts)
    out(`sandbox: account ${account.id} in ${account.region} with ${account.books.length} address books`);
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
