/**
 * Every environment variable the service reads, as data: name, type, default, unit, meaning.
 * config.ts parses from this table; docs/operations.md and the Helm chart are checked against
 * it by tests, so this is the single list of config keys.
 */
export type KeyType = 'string' | 'url' | 'int' | 'bool' | 'list' | 'enum' | 'secret';

export interface KeySpec {
  readonly env: string;
  readonly type: KeyType;
  /** undefined = required (unless `optional`). */
  readonly default?: string;
  readonly optional?: boolean;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly unit?: 'ms' | 'entries' | 'contacts' | 'requests/min' | 'connections' | 'count' | 'port';
  readonly description: string;
}

export const CONFIG_KEYS: readonly KeySpec[] = [
  // Kafka
  { env: 'KAFKA_BROKERS', type: 'list', description: 'Comma-separated bootstrap brokers, host:port.' },
  { env: 'KAFKA_CLIENT_ID', type: 'string', default: 'dotdigital-sync', description: 'Kafka client id.' },
  { env: 'KAFKA_GROUP_ID', type: 'string', default: 'dotdigital-sync', description: 'Consumer group id.' },
  { env: 'KAFKA_TOPICS', type: 'list', default: 'membership-changes', description: 'Input topics (comma-separated).' },
  { env: 'KAFKA_DEAD_LETTER_TOPIC', type: 'string', default: 'membership-changes.dlq', description: 'Dead-letter topic.' },
  { env: 'KAFKA_FROM_BEGINNING', type: 'bool', default: 'true', description: 'Where a group with no committed offset starts: earliest (true) or latest.' },
  { env: 'KAFKA_SSL', type: 'bool', default: 'false', description: 'Use TLS to the brokers.' },
  { env: 'KAFKA_SSL_CA_FILE', type: 'string', optional: true, description: 'PEM file of CA certificates for the brokers (implies KAFKA_SSL).' },
  { env: 'KAFKA_SASL_MECHANISM', type: 'enum', optional: true, values: ['plain', 'scram-sha-256', 'scram-sha-512'], description: 'SASL mechanism; unset = no SASL.' },
  { env: 'KAFKA_SASL_USERNAME', type: 'string', optional: true, description: 'SASL username.' },
  { env: 'KAFKA_SASL_PASSWORD', type: 'secret', optional: true, description: 'SASL password (or KAFKA_SASL_PASSWORD_FILE).' },
  { env: 'KAFKA_SESSION_TIMEOUT_MS', type: 'int', default: '30000', min: 6000, unit: 'ms', description: 'Consumer group session timeout.' },
  { env: 'KAFKA_HEARTBEAT_INTERVAL_MS', type: 'int', default: '3000', min: 100, unit: 'ms', description: 'Consumer heartbeat interval.' },
  { env: 'COMMIT_INTERVAL_MS', type: 'int', default: '5000', min: 100, unit: 'ms', description: 'How often final offsets are committed.' },
  // Schema registry
  { env: 'SCHEMA_REGISTRY_URL', type: 'url', description: 'Confluent-compatible schema registry base URL.' },
  { env: 'SCHEMA_REGISTRY_USERNAME', type: 'string', optional: true, description: 'Registry basic-auth user.' },
  { env: 'SCHEMA_REGISTRY_PASSWORD', type: 'secret', optional: true, description: 'Registry basic-auth password (or SCHEMA_REGISTRY_PASSWORD_FILE).' },
  // Redis
  { env: 'REDIS_URL', type: 'url', description: 'Redis URL for the shared rate limits (redis://[:password@]host:port/db).' },
  { env: 'REDIS_PASSWORD', type: 'secret', optional: true, description: 'Redis password when not in the URL (or REDIS_PASSWORD_FILE).' },
  { env: 'REDIS_KEY_PREFIX', type: 'string', default: 'dds:', description: 'Prefix of every Redis key.' },
  { env: 'REDIS_COMMAND_TIMEOUT_MS', type: 'int', default: '500', min: 10, unit: 'ms', description: 'Redis command timeout; past it the limiter falls back to local limits.' },
  // Windowing
  { env: 'WINDOW_MS', type: 'int', default: '1200000', min: 1, unit: 'ms', description: 'A batch is sent at most this long after its window opened.' },
  { env: 'MAX_BATCH_SIZE', type: 'int', default: '1000', min: 1, max: 10000, unit: 'contacts', description: 'A batch is sent when it holds this many contacts.' },
  { env: 'MAX_BUFFERED_ENTRIES', type: 'int', default: '500000', min: 1, unit: 'entries', description: 'Fetching pauses above this many buffered contacts.' },
  { env: 'RESUME_BUFFERED_ENTRIES', type: 'int', default: '400000', min: 0, unit: 'entries', description: 'Fetching resumes below this many buffered contacts (low-water mark).' },
  // Sending
  { env: 'SEND_CONCURRENCY', type: 'int', default: '8', min: 1, max: 25, unit: 'count', description: 'Batches in flight at once, per process.' },
  { env: 'RETRY_MAX_ATTEMPTS', type: 'int', default: '6', min: 1, unit: 'count', description: 'Attempts of a batch before its events are dead-lettered.' },
  { env: 'RETRY_BASE_DELAY_MS', type: 'int', default: '1000', min: 1, unit: 'ms', description: 'First retry back-off (doubles, with jitter).' },
  { env: 'RETRY_MAX_DELAY_MS', type: 'int', default: '300000', min: 1, unit: 'ms', description: 'Longest retry back-off.' },
  { env: 'APIUSAGE_BACKOFF_MS', type: 'int', default: '900000', min: 1, unit: 'ms', description: 'Back-off after the flat-rate hourly cap (ERROR_APIUSAGE_EXCEEDED).' },
  // DotDigital
  { env: 'DOTDIGITAL_R1_BASE_URL', type: 'url', default: 'https://r1-api.dotdigital.com', description: 'Where region detection calls account-info.' },
  { env: 'DOTDIGITAL_ALLOW_ANY_HOST', type: 'bool', default: 'false', description: 'Sandbox only: accept an ApiEndpoint outside https://rN-api.dotdigital.com.' },
  { env: 'DOTDIGITAL_REQUEST_TIMEOUT_MS', type: 'int', default: '121000', min: 100, unit: 'ms', description: 'Per-request timeout.' },
  { env: 'DOTDIGITAL_MAX_CONNECTIONS', type: 'int', default: '16', min: 1, unit: 'connections', description: 'Keep-alive connections per DotDigital host.' },
  { env: 'DOTDIGITAL_POLL_INITIAL_MS', type: 'int', default: '1000', min: 10, unit: 'ms', description: 'First wait before polling an import or deletion job.' },
  { env: 'DOTDIGITAL_POLL_MAX_MS', type: 'int', default: '30000', min: 10, unit: 'ms', description: 'Longest wait between job polls.' },
  { env: 'DOTDIGITAL_JOB_TIMEOUT_MS', type: 'int', default: '1800000', min: 100, unit: 'ms', description: 'Give up on an import or deletion job after this long (retryable).' },
  { env: 'DOTDIGITAL_DELETE_CHUNK_SIZE', type: 'int', default: '1000', min: 1, unit: 'contacts', description: 'Contact ids per bulk-delete request.' },
  { env: 'DOTDIGITAL_CONTACT_ID_CACHE_SIZE', type: 'int', default: '1000000', min: 0, unit: 'entries', description: 'Identifier -> contactId cache entries (per process).' },
  { env: 'DOTDIGITAL_INTEGRATION_TOKEN', type: 'string', optional: true, description: 'Sent as x-ddg-integration-token when set.' },
  // Limits
  { env: 'LIMIT_ADD_PER_MINUTE', type: 'int', default: '75', min: 1, unit: 'requests/min', description: 'Default account-wide budget of add calls (imports).' },
  { env: 'LIMIT_REMOVE_PER_MINUTE', type: 'int', default: '35', min: 1, unit: 'requests/min', description: 'Default account-wide budget of remove calls (bulk deletes).' },
  { env: 'LIMIT_LOOKUP_PER_MINUTE', type: 'int', default: '300', min: 1, unit: 'requests/min', description: 'Default account-wide budget of contact look-ups.' },
  { env: 'LIMIT_POLL_PER_MINUTE', type: 'int', default: '600', min: 1, unit: 'requests/min', description: 'Default account-wide budget of job status polls.' },
  { env: 'LIMIT_ADMIN_PER_MINUTE', type: 'int', default: '60', min: 1, unit: 'requests/min', description: 'Default account-wide budget of account-info and address-book calls.' },
  { env: 'LIMIT_MAX_WAIT_MS', type: 'int', default: '300000', min: 1, unit: 'ms', description: 'Longest wait for a token before a retryable error.' },
  { env: 'LIMIT_EXPECTED_REPLICAS', type: 'int', default: '3', min: 1, unit: 'count', description: 'Replicas sharing an account; the Redis-outage fallback allows limit / this per process.' },
  // Service
  { env: 'CONNECTORS_FILE', type: 'string', description: 'YAML file of connectors (see docs/operations.md).' },
  { env: 'SHUTDOWN_DEADLINE_MS', type: 'int', default: '30000', min: 0, unit: 'ms', description: 'On SIGTERM, time allowed to flush windows and commit.' },
  { env: 'HTTP_HOST', type: 'string', default: '0.0.0.0', description: 'Bind address of /healthz, /readyz, /metrics, /status and the admin API.' },
  { env: 'HTTP_PORT', type: 'int', default: '8080', min: 0, max: 65535, unit: 'port', description: 'Port of the HTTP server (0 = any free port).' },
  { env: 'ADMIN_TOKEN', type: 'secret', optional: true, description: 'Bearer token of the admin API and /status (or ADMIN_TOKEN_FILE); unset = admin API off.' },
  { env: 'LOG_LEVEL', type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Log level.' },
];
