/**
 * The DotDigital client: one per process, shared by every connector. Per-connector credentials
 * come with each call; the detected account (region endpoint + id) is cached per connector.
 * A whole-request failure throws a SyncError; per-contact results come back as outcomes.
 * The client does not retry whole requests: the failure policy above it does.
 */
import type { Dispatcher } from 'undici';
import { ConfigError, SyncError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { MembershipChange } from '../windowing/event.js';
import { addContacts } from './add.js';
import { createAddressBook, listAddressBooks } from './address-books.js';
import type { AccountScope, ClientContext } from './context.js';
import { ContactIdCache } from './id-cache.js';
import { noopJobTracker, type JobTracker } from './job-tracker.js';
import { noopGate, noopObserver, type RateLimitGate, type RateLimitObserver } from './rate-limit.js';
import { AccountDirectory, acceptEndpoint } from './region.js';
import { removeContacts } from './remove.js';
import { Transport } from './transport.js';
import type {
  AccountInfo,
  AddressBook,
  ConnectorCredentials,
  ContactOutcome,
  NewAddressBook,
} from './types.js';

export interface DotdigitalClientOptions {
  readonly logger: Logger;
  readonly r1BaseUrl?: string;
  /** Sandbox only: accept any http(s) API endpoint (and r1 base URL). */
  readonly allowAnyHost?: boolean;
  readonly requestTimeoutMs?: number;
  readonly maxConnections?: number;
  readonly pollInitialMs?: number;
  readonly pollMaxMs?: number;
  readonly jobTimeoutMs?: number;
  readonly deleteChunkSize?: number;
  readonly contactIdCacheSize?: number;
  /** Parallel contact-id look-ups within one removal (each still passes the rate-limit gate). */
  readonly lookupConcurrency?: number;
  readonly integrationToken?: string | undefined;
  readonly gate?: RateLimitGate;
  readonly observer?: RateLimitObserver;
  /** Registry of running jobs shared by every replica (see job-tracker.ts); none by default. */
  readonly jobs?: JobTracker;
  readonly metrics?: Metrics;
  /** Tests only: route every request through this dispatcher (e.g. undici MockAgent). */
  readonly dispatcher?: Dispatcher;
  readonly now?: () => number;
}

export const CLIENT_DEFAULTS = Object.freeze({
  r1BaseUrl: 'https://r1-api.dotdigital.com',
  requestTimeoutMs: 121_000,
  maxConnections: 16,
  pollInitialMs: 1_000,
  pollMaxMs: 30_000,
  jobTimeoutMs: 1_800_000,
  deleteChunkSize: 1_000,
  contactIdCacheSize: 1_000_000,
  lookupConcurrency: 8,
});

export class DotdigitalClient {
  private readonly transport: Transport;
  private readonly accounts: AccountDirectory;
  private readonly ctx: ClientContext;

  constructor(options: DotdigitalClientOptions) {
    const o = { ...CLIENT_DEFAULTS, ...definedOnly(options) };
    const allowAnyHost = options.allowAnyHost === true;
    const problems = positiveInts(o);
    let r1BaseUrl = o.r1BaseUrl;
    try {
      r1BaseUrl = acceptEndpoint(o.r1BaseUrl, allowAnyHost);
    } catch (err) {
      problems.push(`r1BaseUrl: ${(err as Error).message}`);
    }
    if (problems.length > 0) throw new ConfigError(problems, 'DotDigital client options');
    const now = options.now ?? Date.now;
    const logger = options.logger;
    this.transport = new Transport({
      logger,
      requestTimeoutMs: o.requestTimeoutMs,
      maxConnections: o.maxConnections,
      integrationToken: options.integrationToken,
      gate: options.gate ?? noopGate,
      observer: options.observer ?? noopObserver,
      metrics: options.metrics,
      dispatcher: options.dispatcher,
      now,
    });
    this.accounts = new AccountDirectory(this.transport, { r1BaseUrl, allowAnyHost });
    this.ctx = {
      transport: this.transport,
      ids: new ContactIdCache(o.contactIdCacheSize),
      poll: { initialMs: o.pollInitialMs, maxMs: o.pollMaxMs, jobTimeoutMs: o.jobTimeoutMs, now, logger },
      metrics: options.metrics,
      logger,
      deleteChunkSize: o.deleteChunkSize,
      lookupConcurrency: o.lookupConcurrency,
      jobs: options.jobs ?? noopJobTracker,
    };
  }

  /** Region endpoint and account id (cached per connector; re-detected after invalidate or a credential change). */
  detectAccount(creds: ConnectorCredentials, signal?: AbortSignal): Promise<AccountInfo> {
    return this.accounts.detect(creds, signal);
  }

  /** The same account-info call, never from cache; 401 → DD_INVALID_CREDENTIALS. */
  checkCredentials(creds: ConnectorCredentials, signal?: AbortSignal): Promise<AccountInfo> {
    return this.accounts.refresh(creds, signal);
  }

  /** Forget the detected account (credentials or region changed). */
  invalidate(connectorId: string): void {
    this.accounts.invalidate(connectorId);
  }

  listAddressBooks(creds: ConnectorCredentials, signal?: AbortSignal): Promise<AddressBook[]> {
    return this.onAccount(creds, signal, (scope) => listAddressBooks(this.ctx, scope));
  }

  createAddressBook(
    creds: ConnectorCredentials,
    book: NewAddressBook,
    signal?: AbortSignal,
  ): Promise<AddressBook> {
    return this.onAccount(creds, signal, (scope) => createAddressBook(this.ctx, scope, book));
  }

  /** One outcome per event, same order. Throws a SyncError when the import as a whole fails. */
  addContacts(
    creds: ConnectorCredentials,
    addressBookId: number,
    events: readonly MembershipChange[],
    signal?: AbortSignal,
  ): Promise<ContactOutcome[]> {
    if (events.length === 0) return Promise.resolve([]);
    return this.onAccount(creds, signal, (scope) => addContacts(this.ctx, scope, addressBookId, events));
  }

  /** One outcome per event, same order; a contact that does not exist counts as removed. */
  removeContacts(
    creds: ConnectorCredentials,
    addressBookId: number,
    events: readonly MembershipChange[],
    signal?: AbortSignal,
  ): Promise<ContactOutcome[]> {
    if (events.length === 0) return Promise.resolve([]);
    return this.onAccount(creds, signal, (scope) => removeContacts(this.ctx, scope, addressBookId, events));
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private async onAccount<T>(
    creds: ConnectorCredentials,
    signal: AbortSignal | undefined,
    run: (scope: AccountScope) => Promise<T>,
  ): Promise<T> {
    const account = await this.accounts.detect(creds, signal);
    try {
      return await run({ creds, account, signal });
    } catch (err) {
      // Rejected credentials or a denied region: the account may have moved; detect again next time.
      if (err instanceof SyncError && (err.code === 'DD_INVALID_CREDENTIALS' || err.code === 'DD_FORBIDDEN'))
        this.accounts.invalidate(creds.connectorId);
      throw err;
    }
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function positiveInts(o: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const name of [
    'requestTimeoutMs',
    'maxConnections',
    'pollInitialMs',
    'pollMaxMs',
    'jobTimeoutMs',
    'deleteChunkSize',
    'lookupConcurrency',
  ] as const) {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      problems.push(`${name} must be a positive integer (got ${String(v)})`);
  }
  const cache = o.contactIdCacheSize;
  if (typeof cache !== 'number' || !Number.isSafeInteger(cache) || cache < 0)
    problems.push(`contactIdCacheSize must be an integer ≥ 0 (got ${String(cache)})`);
  return problems;
}
