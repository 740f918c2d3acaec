/**
 * Contract-test set-up: an in-process sandbox on port 0 and a real DotdigitalClient talking to it
 * over HTTP. Each test adds its own account (unique id and API user), so tests share nothing.
 */
import { silentLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import {
  startSandbox,
  type AccountSeed,
  type Sandbox,
  type SandboxOptions,
} from '../../../src/sandbox/index.js';
import { DotdigitalClient, type DotdigitalClientOptions } from '../../../src/sink/client.js';
import type { RateLimitFeedback } from '../../../src/sink/rate-limit.js';
import type { ConnectorCredentials } from '../../../src/sink/types.js';
import type { Action, MembershipChange, Profile } from '../../../src/windowing/event.js';

export interface Contract {
  readonly sandbox: Sandbox;
  readonly client: DotdigitalClient;
  readonly feedback: RateLimitFeedback[];
  readonly metrics: ReturnType<typeof createMetrics>;
  /** Adds an account (region r2 unless said) and returns credentials of its API user. */
  account(seed?: Partial<AccountSeed>): ConnectorCredentials & { accountId: number };
  /** A second client with other options on the same sandbox (closed by close()). */
  otherClient(options: Partial<DotdigitalClientOptions>): DotdigitalClient;
  close(): Promise<void>;
}

let nextAccount = 900_000;

export async function startContract(
  sandboxOptions: SandboxOptions = {},
  clientOptions: Partial<DotdigitalClientOptions> = {},
): Promise<Contract> {
  const sandbox = await startSandbox({
    accounts: [],
    importDelayMs: 40,
    deletionDelayMs: 40,
    ...sandboxOptions,
  });
  const feedback: RateLimitFeedback[] = [];
  const metrics = createMetrics();
  const clients: DotdigitalClient[] = [];
  const makeClient = (options: Partial<DotdigitalClientOptions>): DotdigitalClient => {
    const client = new DotdigitalClient({
      logger: silentLogger(),
      r1BaseUrl: sandbox.r1BaseUrl,
      allowAnyHost: true,
      pollInitialMs: 20,
      pollMaxMs: 100,
      jobTimeoutMs: 20_000,
      observer: { observe: (f) => feedback.push(f) },
      metrics,
      ...clientOptions,
      ...options,
    });
    clients.push(client);
    return client;
  };
  const client = makeClient({});
  return {
    sandbox,
    client,
    feedback,
    metrics,
    account(seed = {}) {
      const id = nextAccount++;
      const user = { username: `apiuser-${id}@apiconnector.com`, password: `pw-${id}` };
      sandbox.control.addAccount({ id, region: 'r2', apiUsers: [user], ...seed });
      return { connectorId: `connector-${id}`, ...user, accountId: id };
    },
    otherClient: makeClient,
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await sandbox.close();
    },
  };
}

export function change(
  n: number,
  profile: Partial<Profile>,
  addressBookId: number,
  action: Action = 'ADD',
): MembershipChange {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    occurredAt: Date.now(),
    connectorId: 'contract',
    source: { kind: 'AUDIENCE', id: 'aud', stepId: null },
    addressBookId,
    action,
    profile: { profileId: `p-${n}`, email: null, contactId: null, mobileNumber: null, ...profile },
  };
}

export function bookId(sandbox: Sandbox, accountId: number, name: string): number {
  const book = sandbox
    .inspect()
    .accounts.find((a) => a.id === accountId)
    ?.books.find((b) => b.name === name);
  if (book === undefined) throw new Error(`no book ${name} in account ${accountId}`);
  return book.id;
}

export function members(sandbox: Sandbox, accountId: number, name: string): string[] {
  const book = sandbox
    .inspect()
    .accounts.find((a) => a.id === accountId)
    ?.books.find((b) => b.name === name);
  return (book?.members ?? []).map((m) => m.email ?? m.mobileNumber ?? String(m.contactId)).sort();
}

export async function failure(
  fn: () => Promise<unknown>,
): Promise<{ code: string; retryable: boolean; status?: number; remoteCode?: string; retryAtMs?: number }> {
  try {
    await fn();
  } catch (err) {
    return err as { code: string; retryable: boolean };
  }
  throw new Error('expected a failure');
}
