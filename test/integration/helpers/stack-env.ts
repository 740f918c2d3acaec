import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Addresses of the local stack (npm run stack:up) or of services named in the environment. */
export interface StackEnv {
  readonly kafkaBrokers: string[];
  readonly schemaRegistryUrl: string;
  readonly redisUrl: string;
}

const stackEnvFile = fileURLToPath(new URL('../../../.stack/env', import.meta.url));

const KEYS = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL'] as const;
type Key = (typeof KEYS)[number];

function parseEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1);
    if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      value = value.slice(1, -1).replaceAll("'\\''", "'");
    }
    values.set(line.slice(0, eq).replace(/^export\s+/, ''), value);
  }
  return values;
}

/**
 * Each address comes from the process environment when set there, else from .stack/env (written by
 * `npm run stack:up`). Throws naming the command to run when an address is known from neither.
 */
export function stackEnv(): StackEnv {
  const fromFile = existsSync(stackEnvFile)
    ? parseEnvFile(readFileSync(stackEnvFile, 'utf8'))
    : new Map<string, string>();
  const get = (key: Key): string | undefined => {
    const value = process.env[key] ?? fromFile.get(key);
    return value === '' ? undefined : value;
  };
  const missing = KEYS.filter((key) => get(key) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `The local stack is not known: ${missing.join(', ')} not set and not in ${stackEnvFile}. ` +
        'Start it with `npm run stack:up` (or set KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL).',
    );
  }
  return {
    kafkaBrokers: get('KAFKA_BROKERS')!
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker !== ''),
    schemaRegistryUrl: get('SCHEMA_REGISTRY_URL')!.replace(/\/+$/, ''),
    redisUrl: get('REDIS_URL')!,
  };
}

/**
 * A name no other test (or earlier run) uses: for topics, consumer groups, registry subjects and
 * Redis key prefixes. Only characters Kafka accepts in topic names.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
