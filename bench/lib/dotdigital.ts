/**
 * The sending half of the service against the in-process sandbox: the real DotdigitalClient behind
 * the real account limiter (stack Redis, a unique key prefix), wrapped in the real
 * DotdigitalBatchSender, plus a sandbox account with N address books and the call counts the
 * sandbox logged, by operation and rate-limit scope.
 *
 * Time scaling: the sandbox's limit window, import and deletion delays and the client's poll
 * waits are all divided by the same factor, so every count (calls per batch, polls per job) is
 * the one of real time; only the wall clock shrinks.
 */
import { Connector } from '../../src/connectors/connector.js';
import { DotdigitalBatchSender } from '../../src/consumer/sender.js';
import { createAccountLimiter, type AccountLimiter } from '../../src/limits/index.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { startSandbox, type CallCount, type LimitScope, type Sandbox } from '../../src/sandbox/index.js';
import { DotdigitalClient, type ConnectorCredentials } from '../../src/sink/index.js';
import { stackEnv, uniqueName } from '../../test/integration/helpers/stack-env.js';
import { deleteKeys } from '../../test/integration/limits/redis.js';

/** Real time: a minute per limit window, 2 s per import, 1 s per deletion, polls from 1 s to 30 s. */
export const REAL = {
  limitWindowMs: 60_000,
  importDelayMs: 2_000,
  deletionDelayMs: 1_000,
  pollInitialMs: 1_000,
  pollMaxMs: 30_000,
};

export function scaled(factor: number): typeof REAL {
  return {
    limitWindowMs: REAL.limitWindowMs / factor,
    importDelayMs: REAL.importDelayMs / factor,
    deletionDelayMs: REAL.deletionDelayMs / factor,
    pollInitialMs: REAL.pollInitialMs / factor,
    pollMaxMs: REAL.pollMaxMs / factor,
  };
}

export const ACCOUNT_ID = 610_001;

export function connector(accountId: number, n: number): ConnectorCredentials {
  return {
    connectorId: `bench-${accountId}-${n}`,
    username: `apiuser-bench-${accountId}-${n}@apiconnector.com`,
    password: `bench-pw-${accountId}-${n}`,
  };
}

/** A sandbox with one account (region r1) of `books` address books and `connectors` API users. */
export async function benchSandbox(
  time: typeof REAL,
  books: number,
  connectors = 1,
  callLogEntries = 10,
  accountId = ACCOUNT_ID,
): Promise<{ sandbox: Sandbox; bookIds: number[] }> {
  const sandbox = await startSandbox({
    accounts: [],
    limitWindowMs: time.limitWindowMs,
    importDelayMs: time.importDelayMs,
    deletionDelayMs: time.deletionDelayMs,
    callLogEntries,
  });
  sandbox.control.addAccount({
    id: accountId,
    region: 'r1',
    apiUsers: Array.from({ length: connectors }, (_, n) => connector(accountId, n)).map(
      ({ username, password }) => ({ username, password }),
    ),
    addressBooks: Array.from({ length: books }, (_, b) => ({ name: `bench-book-${b}` })),
  });
  // Only our books: the account also has DotDigital's "Test" book, which the API cannot write to.
  const bookIds = (sandbox.inspect().accounts.find((a) => a.id === accountId)?.books ?? [])
    .filter((b) => b.name.startsWith('bench-book-'))
    .map((b) => b.id);
  if (bookIds.length !== books)
    throw new Error(`sandbox account has ${bookIds.length} bench books, expected ${books}`);
  return { sandbox, bookIds };
}

export interface Sending {
  readonly client: DotdigitalClient;
  readonly limiter: AccountLimiter;
  readonly sender: DotdigitalBatchSender;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

export interface SendingOptions {
  readonly r1BaseUrl: string;
  readonly time: typeof REAL;
  readonly creds: readonly ConnectorCredentials[];
  /** Shared by the replicas of one account; default a fresh prefix, whose keys close() deletes. */
  readonly keyPrefix?: string;
  readonly expectedReplicas?: number;
}

/** Client + limiter + batch sender for the given connectors. */
export function sending(o: SendingOptions): Sending {
  const redisUrl = stackEnv().redisUrl;
  const keyPrefix = o.keyPrefix ?? `${uniqueName('bench-service')}:`;
  const metrics = createMetrics();
  const limiter = createAccountLimiter({
    redis: { url: redisUrl },
    keyPrefix,
    windowMs: o.time.limitWindowMs,
    ...(o.expectedReplicas === undefined ? {} : { expectedReplicas: o.expectedReplicas }),
    metrics,
    logger: silentLogger(),
  });
  const client = new DotdigitalClient({
    logger: silentLogger(),
    r1BaseUrl: o.r1BaseUrl,
    allowAnyHost: true,
    pollInitialMs: o.time.pollInitialMs,
    pollMaxMs: o.time.pollMaxMs,
    requestTimeoutMs: 30_000,
    gate: limiter.gate,
    observer: limiter.observer,
    metrics,
  });
  const byId = new Map(
    o.creds.map((c) => [
      c.connectorId,
      new Connector({ id: c.connectorId, name: c.connectorId, username: c.username, password: c.password }),
    ]),
  );
  const sender = new DotdigitalBatchSender(client, { get: (id) => byId.get(id) });
  return {
    client,
    limiter,
    sender,
    metrics,
    close: async () => {
      await client.close();
      await limiter.close();
      if (o.keyPrefix === undefined) await deleteKeys(redisUrl, keyPrefix);
    },
  };
}

/** The job-status scope: polling, which DotDigital puts in its unlimited tier. */
export const POLL_SCOPE: LimitScope = 'jobStatus';

const OPERATION_NAMES: Record<string, string> = {
  importContacts: 'import',
  getImportStatus: 'poll',
  bulkDeleteContacts: 'delete',
  getDeletionStatus: 'poll',
  getContact: 'lookup',
};

export interface CallTally {
  readonly byOperation: Record<string, number>;
  readonly byScope: Record<string, number>;
  /** Calls in every scope but job status, whatever their answer. */
  readonly limited: number;
  readonly polls: number;
  readonly status429: number;
  readonly total: number;
}

/** Calls between two snapshots of sandbox.inspect().calls.counts. */
export function tally(before: readonly CallCount[], after: readonly CallCount[]): CallTally {
  const key = (c: CallCount) => `${c.operation}|${c.scope}|${c.status}`;
  const was = new Map(before.map((c) => [key(c), c.count]));
  const byOperation: Record<string, number> = {};
  const byScope: Record<string, number> = {};
  let limited = 0;
  let polls = 0;
  let status429 = 0;
  let total = 0;
  for (const c of after) {
    const n = c.count - (was.get(key(c)) ?? 0);
    if (n === 0) continue;
    const op = OPERATION_NAMES[c.operation] ?? c.operation;
    byOperation[op] = (byOperation[op] ?? 0) + n;
    byScope[c.scope] = (byScope[c.scope] ?? 0) + n;
    total += n;
    if (c.scope === POLL_SCOPE) polls += n;
    else limited += n;
    if (c.status === '429') status429 += n;
  }
  return { byOperation, byScope, limited, polls, status429, total };
}
