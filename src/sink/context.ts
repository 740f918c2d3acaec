/** What the operation modules (address books, add, remove) share, built once by the client. */
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ContactIdCache } from './id-cache.js';
import type { JobTracker } from './job-tracker.js';
import type { PollOptions } from './poll.js';
import type { CallResult, CallSpec, Transport } from './transport.js';
import type { AccountInfo, ConnectorCredentials } from './types.js';

export interface ClientContext {
  readonly transport: Transport;
  readonly ids: ContactIdCache;
  readonly poll: PollOptions;
  readonly metrics: Metrics | undefined;
  readonly logger: Logger;
  readonly deleteChunkSize: number;
  readonly lookupConcurrency: number;
  readonly jobs: JobTracker;
}

/** One operation of one connector on its detected account. */
export interface AccountScope {
  readonly creds: ConnectorCredentials;
  readonly account: AccountInfo;
  readonly signal: AbortSignal | undefined;
}

export type ScopedCall = Omit<CallSpec, 'creds' | 'accountId' | 'baseUrl' | 'signal'>;

export function callOn(ctx: ClientContext, scope: AccountScope, spec: ScopedCall): Promise<CallResult> {
  return ctx.transport.call({
    ...spec,
    creds: scope.creds,
    accountId: scope.account.accountId,
    baseUrl: scope.account.apiEndpoint,
    signal: scope.signal,
  });
}

/** Contact ids are per account: cache keys carry the account id. */
export function cacheKey(scope: AccountScope, key: string): string {
  return `${scope.account.accountId}|${key}`;
}
