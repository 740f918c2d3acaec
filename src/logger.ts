/**
 * The root pino logger. Components take a child logger as a parameter; only cli.ts builds the
 * root. Redaction is a second line of defence: secrets are never put in log objects at all.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'sasl.password',
  'adminToken',
  '*.adminToken',
] as const;

/** `stderr`: for CLI commands whose stdout is their output. */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream; stderr?: boolean } = {}): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: 'dotdigital-sync' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination = options.destination ?? (options.stderr === true ? pino.destination(2) : undefined);
  return destination ? pino(opts, destination) : pino(opts);
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
