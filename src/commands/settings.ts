/**
 * The few non-Kafka settings that `dlq redrive` and `backfill-estimate` need (schema registry,
 * limits, batch size), read from the environment by the rules of CONFIG_KEYS (default, bounds,
 * NAME_FILE for secrets) without requiring the keys those commands never use (REDIS_URL,
 * CONNECTORS_FILE). Every problem is collected and thrown once (ConfigError, exit 3).
 */
import { readFileSync } from 'node:fs';
import { CONFIG_KEYS, type KeySpec } from '../config-spec.js';
import { loadKafkaConfig, type Config } from '../config.js';
import { ConfigError, SyncError } from '../errors.js';
import type { RegistryOptions } from '../consumer/schema-source.js';

type Env = Readonly<Record<string, string | undefined>>;

function spec(name: string): KeySpec {
  const s = CONFIG_KEYS.find((k) => k.env === name);
  if (s === undefined) throw new Error(`${name} is not in CONFIG_KEYS`);
  return s;
}

function raw(env: Env, s: KeySpec, problems: string[]): string | undefined {
  const file = env[`${s.env}_FILE`];
  if (s.type === 'secret' && file !== undefined && file !== '') {
    if (env[s.env] !== undefined && env[s.env] !== '') {
      problems.push(`${s.env} and ${s.env}_FILE are both set; set one`);
      return undefined;
    }
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      problems.push(`${s.env}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  }
  const v = env[s.env]?.trim();
  return v === undefined || v === '' ? s.default : v;
}

export class Settings {
  readonly problems: string[] = [];
  constructor(private readonly env: Env = process.env) {}

  int(name: string): number {
    const s = spec(name);
    const text = raw(this.env, s, this.problems);
    const n = Number(text);
    if (text === undefined || !/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) {
      this.problems.push(`${name} must be an integer${s.unit === undefined ? '' : ` (${s.unit})`}, got ${JSON.stringify(text ?? '')}`);
      return NaN;
    }
    if (s.min !== undefined && n < s.min) this.problems.push(`${name} must be >= ${s.min}, got ${n}`);
    if (s.max !== undefined && n > s.max) this.problems.push(`${name} must be <= ${s.max}, got ${n}`);
    return n;
  }

  registry(): RegistryOptions {
    const url = raw(this.env, spec('SCHEMA_REGISTRY_URL'), this.problems);
    if (url === undefined) this.problems.push(`SCHEMA_REGISTRY_URL is required: ${spec('SCHEMA_REGISTRY_URL').description}`);
    else if (!URL.canParse(url)) this.problems.push('SCHEMA_REGISTRY_URL must be a URL');
    const username = raw(this.env, spec('SCHEMA_REGISTRY_USERNAME'), this.problems);
    const password = raw(this.env, spec('SCHEMA_REGISTRY_PASSWORD'), this.problems);
    return { url: (url ?? '').replace(/\/$/, ''), username, password };
  }

  /** The KAFKA_* keys (config.ts rules); their problems join the others. */
  kafka(): Config['kafka'] | undefined {
    try {
      return loadKafkaConfig(this.env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.problems.push(...err.problems);
      return undefined;
    }
  }

  /** Throws every problem collected so far; else returns `value` (read before, defined when no problem). */
  check<T>(value: T | undefined): T {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    if (value === undefined) throw new SyncError('INTERNAL', 'a setting is missing without a problem reported');
    return value;
  }
}
