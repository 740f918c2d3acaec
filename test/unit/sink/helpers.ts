/** Shared set-up of the client unit tests: an undici MockAgent that refuses real connections. */
import { MockAgent, type MockPool } from 'undici';
import { silentLogger } from '../../../src/logger.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';
import { DotdigitalClient, type DotdigitalClientOptions } from '../../../src/sink/client.js';
import type { RateLimitContext, RateLimitFeedback } from '../../../src/sink/rate-limit.js';
import type { ConnectorCredentials } from '../../../src/sink/types.js';
import type { Action, MembershipChange, Profile } from '../../../src/windowing/event.js';

export const R1 = 'https://r1-api.dotdigital.com';
export const R2 = 'https://r2-api.dotdigital.com';
export const CREDS: ConnectorCredentials = {
  connectorId: 'conn-1',
  username: 'apiuser-x@apiconnector.com',
  password: 's3cret',
};
export const BASIC = `Basic ${Buffer.from('apiuser-x@apiconnector.com:s3cret').toString('base64')}`;
export const JSON_HEADERS = { 'content-type': 'application/json' };

export interface Harness {
  readonly agent: MockAgent;
  readonly r1: MockPool;
  readonly r2: MockPool;
  readonly client: DotdigitalClient;
  readonly feedback: RateLimitFeedback[];
  readonly gateCalls: RateLimitContext[];
  readonly metrics: Metrics;
  done(): Promise<void>;
}

export function harness(options: Partial<DotdigitalClientOptions> = {}): Harness {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const feedback: RateLimitFeedback[] = [];
  const gateCalls: RateLimitContext[] = [];
  const metrics = createMetrics();
  const client = new DotdigitalClient({
    logger: silentLogger(),
    dispatcher: agent,
    pollInitialMs: 1,
    pollMaxMs: 4,
    jobTimeoutMs: 5_000,
    gate: {
      acquire: (ctx) => {
        gateCalls.push(ctx);
        return Promise.resolve();
      },
    },
    observer: { observe: (f) => feedback.push(f) },
    metrics,
    ...options,
  });
  return {
    agent,
    r1: agent.get<MockPool>(R1),
    r2: agent.get<MockPool>(R2),
    client,
    feedback,
    gateCalls,
    metrics,
    async done() {
      agent.assertNoPendingInterceptors();
      await client.close();
      await agent.close();
    },
  };
}

export function accountInfoBody(endpoint: string, id: number | string = 4321): object {
  return {
    id,
    properties: [
      { name: 'Name', type: 'String', value: 'Demo' },
      { name: 'ApiCallsRemaining', type: 'Int', value: '1985' },
      { name: 'ApiEndpoint', type: 'String', value: endpoint },
    ],
  };
}

/** account-info on r1 naming r2 (once). */
export function detectsR2(h: Harness, id: number | string = 4321): void {
  h.r1
    .intercept({ path: '/v2/account-info', method: 'GET' })
    .reply(200, accountInfoBody(`${R2}/`, id), { headers: JSON_HEADERS });
}

export function event(n: number, profile: Partial<Profile>, action: Action = 'ADD'): MembershipChange {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    occurredAt: 1_700_000_000_000 + n,
    connectorId: 'conn-1',
    source: { kind: 'AUDIENCE', id: 'aud-1', stepId: null },
    addressBookId: 77,
    action,
    profile: { profileId: `p-${n}`, email: null, contactId: null, mobileNumber: null, ...profile },
  };
}

/** Runs `fn` and returns the SyncError-like value it rejects with. */
export async function rejection(fn: () => Promise<unknown>): Promise<{
  code: string;
  retryable: boolean;
  status?: number;
  remoteCode?: string;
  retryAtMs?: number;
  message: string;
}> {
  try {
    await fn();
  } catch (err) {
    return err as { code: string; retryable: boolean; message: string };
  }
  throw new Error('expected a rejection');
}

/** The body a MockAgent reply callback received, as text. */
export function bodyText(opts: { body?: unknown }): string {
  const body = opts.body;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return JSON.stringify(body);
}
