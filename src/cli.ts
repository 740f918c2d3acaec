#!/usr/bin/env node
/**
 * The one entry point: `dotdigital-sync <command> [options]`. Every command has --help; bad
 * arguments print the usage and exit 2; invalid config lists every problem and exits 3.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT, parseCommand, type CommandSpec } from './cli-args.js';
import { backfillCommand } from './commands/backfill.js';
import { addressBooksCommand, connectorsCommand } from './commands/dotdigital.js';
import { dlqCommand } from './commands/dlq.js';
import { replayCommand } from './commands/replay.js';
import { loadConfig } from './config.js';
import { ConfigError, SyncError, toSyncError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { runSandboxCli, SANDBOX_USAGE } from './sandbox/main.js';
import { filterKnownWarnings } from './node-warnings.js';
import { startService } from './service.js';

function runCommand(logger: Logger): CommandSpec {
  return {
    name: 'run',
    summary: 'Run the service: consume, window, sync to DotDigital, commit.',
    usage: `dotdigital-sync run

Configuration comes from the environment only (docs/operations.md lists every key).
SIGTERM/SIGINT: stop fetching, flush within SHUTDOWN_DEADLINE_MS, commit, exit 0.
A second signal exits at once (code 130), committing nothing that is not final.
SIGHUP: re-read CONNECTORS_FILE (it is also watched).
Exit codes: 0 stopped cleanly, 1 failed, 3 bad config.`,
    options: {},
    async run() {
      const config = loadConfig();
      logger.level = config.service.logLevel;
      const service = await startService(config, logger);
      await new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals) => {
          signals++;
          if (signals > 1) {
            logger.warn({ signal }, 'second signal: exiting now');
            process.exit(130);
          }
          logger.info({ signal }, 'stopping');
          service.stop(true).then(resolve, (err: unknown) => {
            logger.error({ err: toSyncError(err).toJSON() }, 'error while stopping');
            resolve();
          });
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      return EXIT.OK;
    },
  };
}

function sandboxCommand(): CommandSpec {
  return {
    name: 'sandbox',
    summary: 'Serve the DotDigital API simulator (for the demo and local work).',
    usage: SANDBOX_USAGE,
    options: {},
    async run() {
      await runSandboxCli(process.argv.slice(3));
      return EXIT.OK;
    },
  };
}

function commands(logger: Logger): CommandSpec[] {
  return [runCommand(logger), sandboxCommand(), replayCommand(logger), connectorsCommand(logger), addressBooksCommand(logger), dlqCommand(logger), backfillCommand(logger)];
}

export function usage(list: readonly CommandSpec[]): string {
  const width = Math.max(...list.map((c) => c.name.length)) + 2;
  return `Usage: dotdigital-sync <command> [options]   (dotdigital-sync <command> --help for more)

${list.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`).join('\n')}

Exit codes: 0 ok, 1 failed, 2 bad arguments, 3 bad configuration, 4 refused.`;
}

/** `run` logs to stdout (a service's log stream); other commands to stderr, keeping stdout for their output. */
function defaultLogger(command: string | undefined): Logger {
  const level = process.env.LOG_LEVEL ?? (command === 'run' ? 'info' : 'warn');
  return command === 'run' ? createLogger({ level }) : createLogger({ level, stderr: true });
}

export async function main(argv: readonly string[], logger: Logger = defaultLogger(argv[0])): Promise<number> {
  const list = commands(logger);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage(list)}\n`);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = list.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`unknown command "${name}"\n\n${usage(list)}\n`);
    return EXIT.USAGE;
  }
  try {
    // The sandbox parses its own options (it is a room of its own).
    if (command.name === 'sandbox') {
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`${command.usage}\n`);
        return EXIT.OK;
      }
      return await command.run({}, rest);
    }
    const parsed = parseCommand(command, rest);
    if (parsed === 'help') {
      process.stdout.write(`${command.usage}\n`);
      return EXIT.OK;
    }
    return await command.run(parsed.values, parsed.positionals);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.CONFIG;
    }
    const e = toSyncError(err);
    if (e.code === 'USAGE' || (err as Error).name === 'SandboxError') {
      process.stderr.write(`${e.message}\n\n${command.usage}\n`);
      return EXIT.USAGE;
    }
    process.stderr.write(`${e.code}: ${e.message}\n`);
    if (!(err instanceof SyncError)) logger.error({ err }, 'command failed');
    return EXIT.FAILED;
  }
}

function isEntry(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  filterKnownWarnings();
  main(process.argv.slice(2)).then(
    (code) => {
      // Exit even if a library left a timer behind (kafkajs, ioredis reconnects): the work is done.
      process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = EXIT.FAILED;
    },
  );
}
