/**
 * Command-line parsing shared by every command: node:util parseArgs, strict, with a usage text
 * per command. Bad arguments raise a USAGE SyncError; cli.ts prints the usage and exits 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SyncError } from './errors.js';

export const EXIT = Object.freeze({ OK: 0, FAILED: 1, USAGE: 2, CONFIG: 3, REFUSED: 4 });

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: Options;
  readonly positionals?: number;
  run(values: Record<string, string | boolean | (string | boolean)[] | undefined>, positionals: readonly string[]): Promise<number>;
}

export function parseCommand(spec: CommandSpec, argv: readonly string[]): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] } | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: spec.options, strict: true, allowPositionals: (spec.positionals ?? 0) > 0 });
    if (positionals.length > (spec.positionals ?? 0)) throw new Error(`unexpected argument ${positionals[spec.positionals ?? 0] ?? ''}`);
    return { values: values, positionals };
  } catch (err) {
    throw new SyncError('USAGE', (err as Error).message);
  }
}

export function requireString(values: Record<string, string | boolean | (string | boolean)[] | undefined>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new SyncError('USAGE', `--${name} is required`);
  return v;
}
