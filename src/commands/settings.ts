/**
 * The few non-Kafka settings that `dlq redrive` and `backfill-estimate` need (schema registry,
 * limits, batch size), read from the environment by the rules of CONFIG_KEYS (default, bounds,
 * NAME_FILE for secrets) without requiring the keys those commands never use (REDIS_URL,
 * CONNECTORS_FILE). Every problem is collected and thrown once (ConfigError, exit 3).
 */
import { loadKafkaConfig, readKey, type Config } from '../config.js';
import { ConfigError, SyncError } from '../errors.js';
import type { RegistryOptions } from '../consumer/schema-source.js';

type Env = Readonly<Record<string, string | undefined>>;

export class Settings {
  readonly problems: string[] = [];
  constructor(private readonly env: Env = process.env) {}

  int(name: string): number {
    const v = readKey(name, this.env, this.problems);
    return typeof v === 'number' ? v : NaN;
  }

  registry(): RegistryOptions {
    const url = readKey('SCHEMA_REGISTRY_URL', this.env, this.problems) as string | undefined;
    const username = readKey('SCHEMA_REGISTRY_USERNAME', this.env, this.problems) as string | undefined;
    const password = readKey('SCHEMA_REGISTRY_PASSWORD', this.env, this.problems) as string | undefined;
    return { url: url ?? '', username, password };
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
