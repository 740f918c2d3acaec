import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '../../../src/sandbox/index.js';
import { stackEnv, uniqueName } from './stack-env.js';

export interface ServiceFixture {
  readonly env: Record<string, string>;
  readonly connectorsFile: string;
  writeConnectors(yaml: string): void;
}

/** Environment for one service under test: unique group and Redis prefix, the sandbox as DotDigital. */
export function serviceFixture(sandbox: Sandbox, topic: string, dlqTopic: string, overrides: Record<string, string> = {}): ServiceFixture {
  const dir = mkdtempSync(join(tmpdir(), 'dds-svc-'));
  const connectorsFile = join(dir, 'connectors.yaml');
  const writeConnectors = (yaml: string) => writeFileSync(connectorsFile, yaml);
  writeConnectors('connectors:\n  - id: demo\n    username: apiuser-demo@apiconnector.com\n    passwordEnv: DEMO_PW\n');
  const s = stackEnv();
  const env: Record<string, string> = {
    DEMO_PW: 'demo-password-1',
    KAFKA_BROKERS: s.kafkaBrokers.join(','),
    KAFKA_TOPICS: topic,
    KAFKA_DEAD_LETTER_TOPIC: dlqTopic,
    KAFKA_GROUP_ID: uniqueName('svc-group'),
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
    COMMIT_INTERVAL_MS: '300',
    SCHEMA_REGISTRY_URL: s.schemaRegistryUrl,
    REDIS_URL: s.redisUrl,
    REDIS_KEY_PREFIX: `${uniqueName('svc')}:`,
    WINDOW_MS: '1500',
    MAX_BATCH_SIZE: '100',
    DOTDIGITAL_R1_BASE_URL: sandbox.r1BaseUrl,
    DOTDIGITAL_ALLOW_ANY_HOST: 'true',
    DOTDIGITAL_POLL_INITIAL_MS: '50',
    DOTDIGITAL_POLL_MAX_MS: '200',
    RETRY_BASE_DELAY_MS: '100',
    RETRY_MAX_ATTEMPTS: '3',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    CONNECTORS_FILE: connectorsFile,
    LOG_LEVEL: 'silent',
    ...overrides,
  };
  return { env, connectorsFile, writeConnectors };
}

export function bookId(sandbox: Sandbox, name: string, accountId = 410001): number {
  const book = sandbox.inspect().accounts.find((a) => a.id === accountId)?.books.find((b) => b.name === name);
  if (book === undefined) throw new Error(`no book ${name}`);
  return book.id;
}

export function members(sandbox: Sandbox, id: number): string[] {
  const book = sandbox.inspect().accounts.flatMap((a) => a.books).find((b) => b.id === id);
  return (book?.members ?? []).map((m) => m.email ?? String(m.contactId)).sort();
}

export async function getJson(url: string, token?: string): Promise<unknown> {
  const res = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return res.json();
}

/** Deletes every Redis key under the prefixes (the limiter's learnt limits live 24 h otherwise). */
export async function cleanupRedis(prefixes: readonly string[]): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(stackEnv().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    for (const prefix of prefixes) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
