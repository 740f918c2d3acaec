import { afterEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/errors.js';
import { CREDS, detectsR2, harness, JSON_HEADERS, rejection, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h.done();
});

const BOOKS = { path: '/v2/address-books?select=1000&skip=0', method: 'GET' } as const;

async function listFails(h: Harness) {
  return rejection(() => h.client.listAddressBooks(CREDS));
}

describe('every error path of a call', () => {
  it.each([
    [
      400,
      { message: 'select is invalid. ERROR_PARAMETER_INVALID' },
      'DD_BAD_REQUEST',
      false,
      'ERROR_PARAMETER_INVALID',
    ],
    [
      400,
      {
        message:
          'Your account has generated excess API activity and is being temporarily capped. Please contact support. ERROR_APIUSAGE_EXCEEDED',
      },
      'DD_APIUSAGE_EXCEEDED',
      true,
      'ERROR_APIUSAGE_EXCEEDED',
    ],
    [
      401,
      { message: 'Authorization has been denied for this request.' },
      'DD_INVALID_CREDENTIALS',
      false,
      undefined,
    ],
    [403, { message: 'Access is denied' }, 'DD_FORBIDDEN', false, undefined],
    [404, '', 'DD_NOT_FOUND', false, undefined],
    [408, '', 'DD_SERVER_ERROR', true, undefined],
    [
      409,
      { errorCode: 'contacts:idAlreadyExists', description: 'exists' },
      'DD_BAD_REQUEST',
      false,
      'contacts:idAlreadyExists',
    ],
    [429, '', 'DD_RATE_LIMITED', true, undefined],
    [500, 'Internal Server Error', 'DD_SERVER_ERROR', true, undefined],
    [501, '', 'DD_NOT_IMPLEMENTED', false, undefined],
    [502, '<html>bad gateway</html>', 'DD_SERVER_ERROR', true, undefined],
    [503, { message: 'An error has occurred.' }, 'DD_SERVER_ERROR', true, undefined],
  ])('HTTP %i → %s', async (status, body, code, retryable, remoteCode) => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(BOOKS).reply(status, body, { headers: typeof body === 'string' ? {} : JSON_HEADERS });
    const err = await listFails(h);
    expect(err).toBeInstanceOf(SyncError);
    expect(err).toMatchObject({ code, retryable, status, remoteCode });
    expect(err.message).not.toContain('s3cret');
  });

  it('maps network errors to a retryable DD_NETWORK', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(BOOKS).replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    expect(await listFails(h)).toMatchObject({ code: 'DD_NETWORK', retryable: true });
    const requests = (await h.metrics.apiRequests.get()).values.map(
      (v) => `${v.labels.operation}:${v.labels.status}`,
    );
    expect(requests).toContain('admin:error');
  });

  it('maps a call slower than requestTimeoutMs to a retryable DD_TIMEOUT', async () => {
    h = harness({ requestTimeoutMs: 30 });
    detectsR2(h);
    h.r2.intercept(BOOKS).reply(200, []).delay(1_000);
    expect(await listFails(h)).toMatchObject({ code: 'DD_TIMEOUT', retryable: true });
  });

  it('answers SHUTTING_DOWN (or the SyncError reason) when the caller aborts', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(BOOKS).reply(200, []).delay(1_000);
    const controller = new AbortController();
    const pending = rejection(() => h.client.listAddressBooks(CREDS, controller.signal));
    setTimeout(() => controller.abort(new SyncError('SHUTTING_DOWN', 'stop now')), 20);
    expect(await pending).toMatchObject({ code: 'SHUTTING_DOWN', message: 'stop now' });
  });

  it('forgets the detected account after 401/403, so the next call detects again', async () => {
    h = harness();
    detectsR2(h, 1);
    h.r2.intercept(BOOKS).reply(403, { message: 'Access is denied' }, { headers: JSON_HEADERS });
    detectsR2(h, 2);
    expect(await listFails(h)).toMatchObject({ code: 'DD_FORBIDDEN' });
    expect((await h.client.detectAccount(CREDS)).accountId).toBe('2');
  });

  it('passes the gate failure through without calling DotDigital', async () => {
    h = harness({
      gate: { acquire: () => Promise.reject(new SyncError('RATE_LIMIT_WAIT_EXCEEDED', 'no token')) },
    });
    expect(await listFails(h)).toMatchObject({ code: 'RATE_LIMIT_WAIT_EXCEEDED' });
  });
});

describe('rate-limit hooks', () => {
  it('awaits the gate before every call with the operation class and account', async () => {
    const order: string[] = [];
    h = harness({
      gate: {
        acquire: async (ctx) => {
          order.push(`gate:${ctx.operation}:${ctx.accountId ?? '-'}`);
          await new Promise((r) => setTimeout(r, 5));
        },
      },
    });
    detectsR2(h);
    h.r2.intercept(BOOKS).reply(() => {
      order.push('request');
      return { statusCode: 200, data: [], responseOptions: { headers: JSON_HEADERS } };
    });
    await h.client.listAddressBooks(CREDS);
    expect(order).toEqual(['gate:admin:-', 'gate:admin:4321', 'request']);
  });

  it('reports headers in delta form, in any case', async () => {
    h = harness({ now: () => 1_000_000 });
    detectsR2(h);
    h.r2.intercept(BOOKS).reply(200, [], {
      headers: {
        ...JSON_HEADERS,
        'X-RateLimit-Limit': '120',
        'x-ratelimit-remaining': '7',
        'X-RATELIMIT-RESET': '30',
        'X-RateLimit-Scope': 'mediumCallRate',
      },
    });
    await h.client.listAddressBooks(CREDS);
    expect(h.feedback.at(-1)).toEqual({
      ctx: { connectorId: 'conn-1', accountId: '4321', operation: 'admin' },
      status: 200,
      scope: 'mediumCallRate',
      limit: 120,
      remaining: 7,
      resetAtMs: 1_030_000,
      flatRateCap: false,
    });
  });

  it('reports a 429 with an epoch Reset and puts the reset on the error', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(BOOKS).reply(429, '', {
      headers: {
        'x-ratelimit-limit': '35',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '1900000000',
      },
    });
    expect(await listFails(h)).toMatchObject({ code: 'DD_RATE_LIMITED', retryAtMs: 1_900_000_000_000 });
    expect(h.feedback.at(-1)).toMatchObject({
      status: 429,
      scope: 'admin',
      limit: 35,
      remaining: 0,
      resetAtMs: 1_900_000_000_000,
      flatRateCap: false,
    });
  });

  it('flags the flat-rate cap', async () => {
    h = harness();
    detectsR2(h);
    h.r2
      .intercept(BOOKS)
      .reply(400, { message: 'capped. ERROR_APIUSAGE_EXCEEDED' }, { headers: JSON_HEADERS });
    await listFails(h);
    expect(h.feedback.at(-1)).toMatchObject({
      status: 400,
      scope: 'admin',
      flatRateCap: true,
      resetAtMs: undefined,
    });
  });

  it('keeps going when the observer throws', async () => {
    h = harness({
      observer: {
        observe: () => {
          throw new Error('observer bug');
        },
      },
    });
    detectsR2(h);
    h.r2.intercept(BOOKS).reply(200, [], { headers: JSON_HEADERS });
    await expect(h.client.listAddressBooks(CREDS)).resolves.toEqual([]);
  });
});

describe('request headers', () => {
  it('sends JSON, Basic auth and the integration token when configured', async () => {
    h = harness({ integrationToken: '5a96bc79-19a7-4544-973b-e2da0c9136f9' });
    detectsR2(h);
    h.r2
      .intercept({
        path: '/v2/address-books',
        method: 'POST',
        headers: {
          'x-ddg-integration-token': '5a96bc79-19a7-4544-973b-e2da0c9136f9',
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: /^Basic /,
        },
      })
      .reply(201, { id: 1, name: 'x' }, { headers: JSON_HEADERS });
    expect(await h.client.createAddressBook(CREDS, { name: 'x' })).toEqual({
      id: 1,
      name: 'x',
      visibility: 'Private',
      contacts: undefined,
    });
  });

  it('counts requests and durations by operation and status', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(BOOKS).reply(200, [], { headers: JSON_HEADERS });
    await h.client.listAddressBooks(CREDS);
    const counts = (await h.metrics.apiRequests.get()).values.map((v) => [
      `${v.labels.operation}:${v.labels.status}`,
      v.value,
    ]);
    expect(Object.fromEntries(counts)).toEqual({ 'admin:200': 2 });
  });
});
