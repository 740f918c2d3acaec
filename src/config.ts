/**
 * Environment -> one validated, typed, frozen Config. Read once, at start; every problem is
 * collected and reported together (ConfigError). Secrets may come from NAME or NAME_FILE.
 */
import { readFileSync } from 'node:fs';
import { CONFIG_KEYS, type KeySpec } from './config-spec.js';
import { ConfigError } from './errors.js';

type Raw = Readonly<Record<string, string | undefined>>;
type Value = string | number | boolean | readonly string[] | undefined;

export interface Config {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly groupId: string;
    readonly topics: readonly string[];
    readonly deadLetterTopic: string;
    readonly fromBeginning: boolean;
    readonly ssl: boolean;
    readonly sslCaFile: string | undefined;
    readonly sasl: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string } | undefined;
    readonly sessionTimeoutMs: number;
    readonly heartbeatIntervalMs: number;
    readonly commitIntervalMs: number;
  };
  readonly registry: { readonly url: string; readonly username: string | undefined; readonly password: string | undefined };
  readonly redis: { readonly url: string; readonly password: string | undefined; readonly keyPrefix: string; readonly commandTimeoutMs: number };
  readonly windowing: { readonly windowMs: number; readonly maxBatchSize: number; readonly maxBufferedEntries: number; readonly resumeBufferedEntries: number };
  readonly sending: { readonly concurrency: number; readonly maxAttempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number; readonly apiUsageBackoffMs: number };
  readonly dotdigital: {
    readonly r1BaseUrl: string;
    readonly allowAnyHost: boolean;
    readonly requestTimeoutMs: number;
    readonly maxConnections: number;
    readonly pollInitialMs: number;
    readonly pollMaxMs: number;
    readonly jobTimeoutMs: number;
    readonly deleteChunkSize: number;
    readonly contactIdCacheSize: number;
    readonly integrationToken: string | undefined;
  };
  readonly limits: {
    readonly perMinute: { readonly add: number; readonly remove: number; readonly lookup: number; readonly poll: number; readonly admin: number };
    readonly maxWaitMs: number;
    readonly expectedReplicas: number;
  };
  readonly service: {
    readonly connectorsFile: string;
    readonly shutdownDeadlineMs: number;
    readonly httpHost: string;
    readonly httpPort: number;
    readonly adminToken: string | undefined;
    readonly logLevel: string;
  };
}

function parseOne(spec: KeySpec, env: Raw, problems: string[]): Value {
  let raw = env[spec.env];
  if (spec.type === 'secret') {
    const file = env[`${spec.env}_FILE`];
    if (raw !== undefined && raw !== '' && file !== undefined && file !== '') {
      problems.push(`${spec.env} and ${spec.env}_FILE are both set; set one`);
      return undefined;
    }
    if (file !== undefined && file !== '') {
      try {
        raw = readFileSync(file, 'utf8').trim();
      } catch (err) {
        problems.push(`${spec.env}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
        return undefined;
      }
    }
  }
  if (raw === undefined || raw.trim() === '') {
    raw = spec.default;
    if (raw === undefined) {
      if (spec.optional !== true) problems.push(`${spec.env} is required: ${spec.description}`);
      return undefined;
    }
  }
  const text = raw.trim();
  const shown = spec.type === 'secret' ? '(secret)' : JSON.stringify(text);
  switch (spec.type) {
    case 'string':
    case 'secret':
      return text;
    case 'url':
      try {
        const u = new URL(text);
        return u.toString().replace(/\/$/, '');
      } catch {
        // Not echoed: a URL may carry credentials (redis://:password@host).
        problems.push(`${spec.env} must be a URL`);
        return undefined;
      }
    case 'int': {
      const n = Number(text);
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) {
        problems.push(`${spec.env} must be an integer${spec.unit ? ` (${spec.unit})` : ''}, got ${shown}`);
        return undefined;
      }
      if (spec.min !== undefined && n < spec.min) problems.push(`${spec.env} must be >= ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) problems.push(`${spec.env} must be <= ${spec.max}, got ${n}`);
      return n;
    }
    case 'bool':
      if (/^(true|1|yes)$/i.test(text)) return true;
      if (/^(false|0|no)$/i.test(text)) return false;
      problems.push(`${spec.env} must be true or false, got ${shown}`);
      return undefined;
    case 'list': {
      const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (items.length === 0) problems.push(`${spec.env} must list at least one item`);
      return Object.freeze(items);
    }
    case 'enum':
      if (spec.values?.includes(text.toLowerCase()) === true) return text.toLowerCase();
      problems.push(`${spec.env} must be one of ${spec.values?.join(', ') ?? ''}, got ${shown}`);
      return undefined;
  }
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

function parseKeys(env: Raw, problems: string[], filter: (spec: KeySpec) => boolean = () => true): Map<string, Value> {
  const v = new Map<string, Value>();
  for (const spec of CONFIG_KEYS) if (filter(spec)) v.set(spec.env, parseOne(spec, env, problems));
  return v;
}

/**
 * One key by the rules of CONFIG_KEYS (default, type, bounds, NAME_FILE for secrets), its
 * problems added to `problems`: for commands that need a few keys without the whole config.
 */
export function readKey(name: string, env: Raw, problems: string[]): Value {
  const spec = CONFIG_KEYS.find((k) => k.env === name);
  if (spec === undefined) throw new ConfigError([`${name} is not a config key`]);
  return parseOne(spec, env, problems);
}

function kafkaSasl(v: Map<string, Value>, problems: string[]): Config['kafka']['sasl'] {
  const mechanism = v.get('KAFKA_SASL_MECHANISM') as 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  if (mechanism === undefined) return undefined;
  const username = v.get('KAFKA_SASL_USERNAME') as string | undefined;
  const password = v.get('KAFKA_SASL_PASSWORD') as string | undefined;
  if (username === undefined || password === undefined) {
    problems.push('KAFKA_SASL_MECHANISM is set: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required');
    return undefined;
  }
  return { mechanism, username, password };
}

/** Only the KAFKA_* keys: for CLI commands that talk to Kafka alone (replay, dlq, estimates). */
export function loadKafkaConfig(env: Raw = process.env): Config['kafka'] {
  const problems: string[] = [];
  const v = parseKeys(env, problems, (k) => k.env.startsWith('KAFKA_') || k.env === 'COMMIT_INTERVAL_MS');
  const sasl = kafkaSasl(v, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(kafkaSection(v, sasl));
}

/** DOTDIGITAL_* keys and CONNECTORS_FILE: for CLI commands that talk to DotDigital alone. */
export function loadDotdigitalConfig(env: Raw = process.env): { readonly dotdigital: Config['dotdigital']; readonly connectorsFile: string } {
  const problems: string[] = [];
  const v = parseKeys(env, problems, (k) => k.env.startsWith('DOTDIGITAL_') || k.env === 'CONNECTORS_FILE');
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({ dotdigital: dotdigitalSection(v), connectorsFile: v.get('CONNECTORS_FILE') as string });
}

function dotdigitalSection(v: Map<string, Value>): Config['dotdigital'] {
  const n = (k: string) => v.get(k) as number;
  return {
    r1BaseUrl: v.get('DOTDIGITAL_R1_BASE_URL') as string,
    allowAnyHost: v.get('DOTDIGITAL_ALLOW_ANY_HOST') as boolean,
    requestTimeoutMs: n('DOTDIGITAL_REQUEST_TIMEOUT_MS'),
    maxConnections: n('DOTDIGITAL_MAX_CONNECTIONS'),
    pollInitialMs: n('DOTDIGITAL_POLL_INITIAL_MS'),
    pollMaxMs: n('DOTDIGITAL_POLL_MAX_MS'),
    jobTimeoutMs: n('DOTDIGITAL_JOB_TIMEOUT_MS'),
    deleteChunkSize: n('DOTDIGITAL_DELETE_CHUNK_SIZE'),
    contactIdCacheSize: n('DOTDIGITAL_CONTACT_ID_CACHE_SIZE'),
    integrationToken: v.get('DOTDIGITAL_INTEGRATION_TOKEN') as string | undefined,
  };
}

function kafkaSection(v: Map<string, Value>, sasl: Config['kafka']['sasl']): Config['kafka'] {
  const so = (k: string) => v.get(k) as string | undefined;
  return {
    brokers: v.get('KAFKA_BROKERS') as readonly string[],
    clientId: v.get('KAFKA_CLIENT_ID') as string,
    groupId: v.get('KAFKA_GROUP_ID') as string,
    topics: v.get('KAFKA_TOPICS') as readonly string[],
    deadLetterTopic: v.get('KAFKA_DEAD_LETTER_TOPIC') as string,
    fromBeginning: v.get('KAFKA_FROM_BEGINNING') as boolean,
    ssl: (v.get('KAFKA_SSL') as boolean) || so('KAFKA_SSL_CA_FILE') !== undefined,
    sslCaFile: so('KAFKA_SSL_CA_FILE'),
    sasl,
    sessionTimeoutMs: v.get('KAFKA_SESSION_TIMEOUT_MS') as number,
    heartbeatIntervalMs: v.get('KAFKA_HEARTBEAT_INTERVAL_MS') as number,
    commitIntervalMs: v.get('COMMIT_INTERVAL_MS') as number,
  };
}

/** Parses the environment; throws ConfigError listing every problem. */
export function loadConfig(env: Raw = process.env): Config {
  const problems: string[] = [];
  const v = parseKeys(env, problems);
  const s = (k: string) => v.get(k) as string;
  const so = (k: string) => v.get(k) as string | undefined;
  const n = (k: string) => v.get(k) as number;

  const sasl = kafkaSasl(v, problems);
  if (v.get('RESUME_BUFFERED_ENTRIES') !== undefined && v.get('MAX_BUFFERED_ENTRIES') !== undefined && n('RESUME_BUFFERED_ENTRIES') >= n('MAX_BUFFERED_ENTRIES')) {
    problems.push('RESUME_BUFFERED_ENTRIES must be below MAX_BUFFERED_ENTRIES');
  }
  if (v.get('RETRY_BASE_DELAY_MS') !== undefined && v.get('RETRY_MAX_DELAY_MS') !== undefined && n('RETRY_BASE_DELAY_MS') > n('RETRY_MAX_DELAY_MS')) {
    problems.push('RETRY_BASE_DELAY_MS must not exceed RETRY_MAX_DELAY_MS');
  }
  if (v.get('DOTDIGITAL_POLL_INITIAL_MS') !== undefined && v.get('DOTDIGITAL_POLL_MAX_MS') !== undefined && n('DOTDIGITAL_POLL_INITIAL_MS') > n('DOTDIGITAL_POLL_MAX_MS')) {
    problems.push('DOTDIGITAL_POLL_INITIAL_MS must not exceed DOTDIGITAL_POLL_MAX_MS');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze<Config>({
    kafka: kafkaSection(v, sasl),
    registry: { url: s('SCHEMA_REGISTRY_URL'), username: so('SCHEMA_REGISTRY_USERNAME'), password: so('SCHEMA_REGISTRY_PASSWORD') },
    redis: { url: s('REDIS_URL'), password: so('REDIS_PASSWORD'), keyPrefix: s('REDIS_KEY_PREFIX'), commandTimeoutMs: n('REDIS_COMMAND_TIMEOUT_MS') },
    windowing: {
      windowMs: n('WINDOW_MS'),
      maxBatchSize: n('MAX_BATCH_SIZE'),
      maxBufferedEntries: n('MAX_BUFFERED_ENTRIES'),
      resumeBufferedEntries: n('RESUME_BUFFERED_ENTRIES'),
    },
    sending: {
      concurrency: n('SEND_CONCURRENCY'),
      maxAttempts: n('RETRY_MAX_ATTEMPTS'),
      baseDelayMs: n('RETRY_BASE_DELAY_MS'),
      maxDelayMs: n('RETRY_MAX_DELAY_MS'),
      apiUsageBackoffMs: n('APIUSAGE_BACKOFF_MS'),
    },
    dotdigital: dotdigitalSection(v),
    limits: {
      perMinute: {
        add: n('LIMIT_ADD_PER_MINUTE'),
        remove: n('LIMIT_REMOVE_PER_MINUTE'),
        lookup: n('LIMIT_LOOKUP_PER_MINUTE'),
        poll: n('LIMIT_POLL_PER_MINUTE'),
        admin: n('LIMIT_ADMIN_PER_MINUTE'),
      },
      maxWaitMs: n('LIMIT_MAX_WAIT_MS'),
      expectedReplicas: n('LIMIT_EXPECTED_REPLICAS'),
    },
    service: {
      connectorsFile: s('CONNECTORS_FILE'),
      shutdownDeadlineMs: n('SHUTDOWN_DEADLINE_MS'),
      httpHost: s('HTTP_HOST'),
      httpPort: n('HTTP_PORT'),
      adminToken: so('ADMIN_TOKEN'),
      logLevel: s('LOG_LEVEL'),
    },
  });
}
