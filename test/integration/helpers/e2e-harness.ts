/**
 * The end-to-end world: a DotDigital sandbox with two accounts and 50 address books, three
 * connectors (two API users of account A, one of account B), contacts the sandbox knows before
 * the run (some already in books), the service's environment tuned so that a run takes seconds,
 * and the topics, groups and Redis prefixes to clean up afterwards.
 */
import {
  startSandbox,
  LIMIT_SCOPES,
  type AccountSeed,
  type LimitScope,
  type Sandbox,
  type SandboxOptions,
} from '../../../src/sandbox/index.js';
import { createTopic, deleteTopics } from './kafka.js';
import type { Kafka } from 'kafkajs';
import { cleanupRedis, serviceFixture } from './service.js';
import { uniqueName } from './stack-env.js';
import { memberLabel, type ConnectorPlan, type KnownContact, type Random } from './e2e-workload.js';

const ACCOUNT_A = 420001;
const ACCOUNT_B = 420002;
const BOOKS_A = 34;
const BOOKS_B = 16;
const KNOWN_PER_CONNECTOR = 40;

/** Far above anything a test sends: the sandbox's limits never throttle unless a fault says so. */
const HIGH_LIMITS = Object.fromEntries(LIMIT_SCOPES.map((s) => [s, 1_000_000])) as Record<LimitScope, number>;

// The connector ids hash (murmur2, the default partitioner) to distinct partitions of 3, 4 and 6
// partition topics, so that with 3 group members each has a connector's records to work on.
const USERS = [
  {
    connector: 'shop-eu',
    username: 'apiuser-shop-eu@apiconnector.com',
    password: 'pw-shop-eu-1',
    env: 'E2E_PW_SHOP_EU',
    account: ACCOUNT_A,
  },
  {
    connector: 'shop-eu-journeys',
    username: 'apiuser-shop-eu-2@apiconnector.com',
    password: 'pw-shop-eu-2',
    env: 'E2E_PW_SHOP_EU_J',
    account: ACCOUNT_A,
  },
  {
    connector: 'outlet-na',
    username: 'apiuser-outlet-na@apiconnector.com',
    password: 'pw-outlet-na',
    env: 'E2E_PW_OUTLET_NA',
    account: ACCOUNT_B,
  },
] as const;

const books = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${String(i + 1).padStart(2, '0')}` }));

const SEED: readonly AccountSeed[] = [
  {
    id: ACCOUNT_A,
    name: 'Shop',
    region: 'r2',
    apiUsers: USERS.filter((u) => u.account === ACCOUNT_A).map(({ username, password }) => ({
      username,
      password,
    })),
    addressBooks: books('Shop book', BOOKS_A),
    limits: HIGH_LIMITS,
  },
  {
    id: ACCOUNT_B,
    name: 'Outlet',
    region: 'r1',
    apiUsers: USERS.filter((u) => u.account === ACCOUNT_B).map(({ username, password }) => ({
      username,
      password,
    })),
    addressBooks: books('Outlet book', BOOKS_B),
    limits: HIGH_LIMITS,
  },
];

/** Fast settings for every e2e service; a test overrides what its scenario needs. */
export const FAST_ENV: Readonly<Record<string, string>> = {
  WINDOW_MS: '1000',
  MAX_BATCH_SIZE: '500',
  COMMIT_INTERVAL_MS: '250',
  KAFKA_SESSION_TIMEOUT_MS: '6000',
  KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
  DOTDIGITAL_POLL_INITIAL_MS: '25',
  DOTDIGITAL_POLL_MAX_MS: '200',
  RETRY_BASE_DELAY_MS: '50',
  RETRY_MAX_DELAY_MS: '1000',
  RETRY_MAX_ATTEMPTS: '20',
  // The service's own limiter works on a 60 s window: far above what a test sends.
  LIMIT_ADD_PER_MINUTE: '100000',
  LIMIT_REMOVE_PER_MINUTE: '100000',
  LIMIT_LOOKUP_PER_MINUTE: '100000',
  LIMIT_POLL_PER_MINUTE: '100000',
  LIMIT_ADMIN_PER_MINUTE: '10000',
  SHUTDOWN_DEADLINE_MS: '10000',
};

export interface E2eWorld {
  readonly sandbox: Sandbox;
  readonly connectors: readonly ConnectorPlan[];
  /** Every writable book of both accounts. */
  readonly books: readonly number[];
  /** Membership per book as the sandbox holds it now, by contact label. */
  actual(): Map<number, Set<string>>;
  /** Creates an input and a dead-letter topic (deleted by close()). */
  topics(partitions: number): Promise<{ topic: string; dlq: string }>;
  /** Environment of a service on these topics: own group and Redis prefix, FAST_ENV, then overrides. */
  env(topic: string, dlq: string, overrides?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

async function call(
  sandbox: Sandbox,
  accountRegion: 'r1' | 'r2',
  user: { username: string; password: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`${sandbox.baseUrl(accountRegion)}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Creates contacts through the API (as DotDigital would have them), half of them already in a book. */
async function knownContacts(
  sandbox: Sandbox,
  rand: Random,
  user: (typeof USERS)[number],
  bookIds: readonly number[],
): Promise<KnownContact[]> {
  const region = user.account === ACCOUNT_A ? 'r2' : 'r1';
  const plan = Array.from({ length: KNOWN_PER_CONNECTOR }, (_, i) => ({
    email: `${user.connector}.known${i}@known.example.com`,
    books: rand.chance(0.5) ? [rand.pick(bookIds)] : [],
  }));
  const { importId } = (await call(sandbox, region, user, 'PUT', '/contacts/v3/import', {
    contacts: plan.map((p) => ({
      matchIdentifier: 'email',
      identifiers: { email: p.email },
      lists: p.books,
    })),
  })) as { importId: string };
  for (;;) {
    const report = (await call(sandbox, region, user, 'GET', `/contacts/v3/import/${importId}`)) as {
      status: string;
      created?: { contactId: number; identifiers: { email: string } }[];
    };
    if (report.status === 'Finished') {
      const ids = new Map((report.created ?? []).map((c) => [c.identifiers.email, c.contactId]));
      return plan.map((p) => ({ contactId: ids.get(p.email)!, books: p.books }));
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function startWorld(
  kafka: Kafka,
  rand: Random,
  options: Partial<SandboxOptions> = {},
): Promise<E2eWorld> {
  // A short limit window: a 429 announces a reset of at most 2 s, so a 429 storm passes quickly.
  const sandbox = await startSandbox({
    accounts: SEED,
    importDelayMs: 50,
    deletionDelayMs: 30,
    limitWindowMs: 2000,
    defaultLimits: HIGH_LIMITS,
    ...options,
  });
  const accountBooks = (id: number) =>
    sandbox
      .inspect()
      .accounts.find((a) => a.id === id)!
      .books.filter((b) => b.name !== 'Test')
      .map((b) => b.id);
  const byAccount = new Map([ACCOUNT_A, ACCOUNT_B].map((id) => [id, accountBooks(id)]));
  const connectors: ConnectorPlan[] = [];
  for (const user of USERS) {
    const bookIds = byAccount.get(user.account)!;
    connectors.push({
      id: user.connector,
      books: bookIds,
      known: await knownContacts(sandbox, rand, user, bookIds),
    });
  }
  const knownIds = new Set(connectors.flatMap((c) => c.known.map((k) => k.contactId)));
  const allBooks = [...byAccount.values()].flat();
  const topics: string[] = [];
  const prefixes: string[] = [];
  const connectorsYaml = `connectors:\n${USERS.map((u) => `  - id: ${u.connector}\n    name: ${u.connector}\n    username: ${u.username}\n    passwordEnv: ${u.env}\n`).join('')}`;

  return {
    sandbox,
    connectors,
    books: allBooks,
    actual() {
      const inBooks = new Map(
        sandbox
          .inspect()
          .accounts.flatMap((a) => a.books)
          .map((b) => [b.id, b.members]),
      );
      return new Map(
        allBooks.map((id) => [id, new Set((inBooks.get(id) ?? []).map((m) => memberLabel(m, knownIds)))]),
      );
    },
    async topics(partitions) {
      const topic = uniqueName('e2e-in');
      const dlq = uniqueName('e2e-dlq');
      topics.push(topic, dlq);
      await createTopic(kafka, topic, partitions);
      await createTopic(kafka, dlq, 1);
      return { topic, dlq };
    },
    env(topic, dlq, overrides = {}) {
      const fx = serviceFixture(sandbox, topic, dlq, {
        ...FAST_ENV,
        ...Object.fromEntries(USERS.map((u) => [u.env, u.password])),
        ...overrides,
      });
      fx.writeConnectors(connectorsYaml);
      prefixes.push(fx.env.REDIS_KEY_PREFIX!);
      return fx.env;
    },
    async close() {
      await sandbox.close();
      await deleteTopics(kafka, topics);
      await cleanupRedis(prefixes);
    },
  };
}
