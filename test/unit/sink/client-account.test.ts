import { afterEach, describe, expect, it } from 'vitest';
import { DotdigitalClient } from '../../../src/sink/client.js';
import { silentLogger } from '../../../src/logger.js';
import {
  accountInfoBody,
  BASIC,
  CREDS,
  detectsR2,
  harness,
  JSON_HEADERS,
  R1,
  R2,
  rejection,
  type Harness,
} from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h.done();
});

describe('region detection', () => {
  it('asks r1 account-info with Basic auth, strips the trailing slash, and caches per connector', async () => {
    h = harness();
    h.r1
      .intercept({ path: '/v2/account-info', method: 'GET', headers: { authorization: BASIC } })
      .reply(200, accountInfoBody(`${R2}/`, 4321), { headers: JSON_HEADERS });
    const info = await h.client.detectAccount(CREDS);
    expect(info).toEqual({ accountId: '4321', apiEndpoint: R2, region: 'r2' });
    await expect(h.client.detectAccount(CREDS)).resolves.toEqual(info); // no second call: the interceptor was used once
    expect(h.gateCalls).toEqual([{ connectorId: 'conn-1', accountId: undefined, operation: 'admin' }]);
  });

  it('shares one in-flight detection between concurrent callers', async () => {
    h = harness();
    detectsR2(h);
    const [a, b] = await Promise.all([h.client.detectAccount(CREDS), h.client.detectAccount(CREDS)]);
    expect(a).toBe(b);
  });

  it('detects again after invalidate and after the credentials change', async () => {
    h = harness();
    detectsR2(h, 1);
    h.r1
      .intercept({ path: '/v2/account-info', method: 'GET' })
      .reply(200, accountInfoBody(`${R2}/`, 2), { headers: JSON_HEADERS });
    h.r1
      .intercept({ path: '/v2/account-info', method: 'GET' })
      .reply(200, accountInfoBody(`${R2}/`, 3), { headers: JSON_HEADERS });
    expect((await h.client.detectAccount(CREDS)).accountId).toBe('1');
    h.client.invalidate('conn-1');
    expect((await h.client.detectAccount(CREDS)).accountId).toBe('2');
    expect((await h.client.detectAccount({ ...CREDS, password: 'rotated' })).accountId).toBe('3');
  });

  it('never sends the credentials to an endpoint outside rN-api.dotdigital.com', async () => {
    h = harness();
    h.r1
      .intercept({ path: '/v2/account-info', method: 'GET' })
      .reply(200, accountInfoBody('https://evil.example.com/'), { headers: JSON_HEADERS });
    const evil = h.agent.get('https://evil.example.com');
    evil.intercept({ path: /.*/, method: /.*/ }).reply(200, []);
    const err = await rejection(() => h.client.listAddressBooks(CREDS));
    expect(err).toMatchObject({ code: 'DD_REGION_REJECTED', retryable: false });
    // The evil host was never called: its interceptor is still waiting (used up here so done() passes).
    expect(h.agent.pendingInterceptors().map((i) => i.origin)).toEqual(['https://evil.example.com']);
    await (
      await h.agent.request({ origin: 'https://evil.example.com', path: '/', method: 'GET' })
    ).body.dump();
  });

  it('uses a region override for the account-info call and keeps that region', async () => {
    h = harness();
    const r3 = h.agent.get('https://r3-api.dotdigital.com');
    r3.intercept({ path: '/v2/account-info', method: 'GET' }).reply(200, accountInfoBody(`${R1}/`, 99), {
      headers: JSON_HEADERS,
    });
    expect(await h.client.detectAccount({ ...CREDS, region: 'r3' })).toEqual({
      accountId: '99',
      apiEndpoint: 'https://r3-api.dotdigital.com',
      region: 'r3',
    });
  });

  it.each([
    ['no id', { properties: [{ name: 'ApiEndpoint', value: `${R2}/` }] }],
    ['no ApiEndpoint', { id: 1, properties: [{ name: 'Name', value: 'x' }] }],
    ['not JSON', 'oops'],
  ])('answers DD_UNEXPECTED_RESPONSE for account-info with %s', async (_what, body) => {
    h = harness();
    h.r1
      .intercept({ path: '/v2/account-info', method: 'GET' })
      .reply(200, body as object, { headers: JSON_HEADERS });
    expect(await rejection(() => h.client.detectAccount(CREDS))).toMatchObject({
      code: 'DD_UNEXPECTED_RESPONSE',
      retryable: true,
    });
  });

  it('reads PascalCase keys and string ids', async () => {
    h = harness();
    h.r1
      .intercept({ path: '/v2/account-info', method: 'GET' })
      .reply(
        200,
        { Id: '77', Properties: [{ Name: 'apiendpoint', Value: 'https://r3-api.dotdigital.com' }] },
        { headers: JSON_HEADERS },
      );
    expect(await h.client.detectAccount(CREDS)).toEqual({
      accountId: '77',
      apiEndpoint: 'https://r3-api.dotdigital.com',
      region: 'r3',
    });
  });
});

describe('credential check', () => {
  it('maps 401 to DD_INVALID_CREDENTIALS and does not cache the failure', async () => {
    h = harness();
    h.r1
      .intercept({ path: '/v2/account-info', method: 'GET' })
      .reply(401, { message: 'Authorization has been denied for this request.' }, { headers: JSON_HEADERS });
    detectsR2(h);
    expect(await rejection(() => h.client.checkCredentials(CREDS))).toMatchObject({
      code: 'DD_INVALID_CREDENTIALS',
      retryable: false,
      status: 401,
    });
    expect((await h.client.checkCredentials(CREDS)).region).toBe('r2');
  });

  it('always asks DotDigital, even with a cached account', async () => {
    h = harness();
    detectsR2(h, 1);
    h.r1
      .intercept({ path: '/v2/account-info', method: 'GET' })
      .reply(200, accountInfoBody(`${R2}/`, 1), { headers: JSON_HEADERS });
    await h.client.detectAccount(CREDS);
    await h.client.checkCredentials(CREDS);
  });
});

describe('address books', () => {
  const book = (id: number) => ({ id, name: `Book ${id}`, visibility: 'Private', contacts: id % 7 });

  it('pages with select=1000 until an empty page', async () => {
    h = harness();
    detectsR2(h);
    const first = Array.from({ length: 1000 }, (_, i) => book(i + 1));
    const second = Array.from({ length: 3 }, (_, i) => book(1001 + i));
    h.r2
      .intercept({ path: '/v2/address-books?select=1000&skip=0', method: 'GET' })
      .reply(200, first, { headers: JSON_HEADERS });
    h.r2
      .intercept({ path: '/v2/address-books?select=1000&skip=1000', method: 'GET' })
      .reply(200, second, { headers: JSON_HEADERS });
    h.r2
      .intercept({ path: '/v2/address-books?select=1000&skip=2000', method: 'GET' })
      .reply(200, [], { headers: JSON_HEADERS });
    const books = await h.client.listAddressBooks(CREDS);
    expect(books).toHaveLength(1003);
    expect(books[1002]).toEqual({ id: 1003, name: 'Book 1003', visibility: 'Private', contacts: 1003 % 7 });
  });

  it('stops when a server ignores skip instead of looping', async () => {
    h = harness();
    detectsR2(h);
    h.r2
      .intercept({ path: /^\/v2\/address-books\?/, method: 'GET' })
      .reply(200, [book(1)], { headers: JSON_HEADERS })
      .times(2);
    expect(await rejection(() => h.client.listAddressBooks(CREDS))).toMatchObject({
      code: 'DD_UNEXPECTED_RESPONSE',
    });
  });

  it.each([200, 201])('creates a book (answer %i)', async (status) => {
    h = harness();
    detectsR2(h);
    h.r2
      .intercept({
        path: '/v2/address-books',
        method: 'POST',
        body: JSON.stringify({ name: 'VIP', visibility: 'Public' }),
      })
      .reply(status, { id: 5, name: 'VIP', visibility: 'Public', contacts: 0 }, { headers: JSON_HEADERS });
    expect(await h.client.createAddressBook(CREDS, { name: 'VIP', visibility: 'Public' })).toEqual({
      id: 5,
      name: 'VIP',
      visibility: 'Public',
      contacts: 0,
    });
  });

  it('maps a duplicate or reserved name to DD_ADDRESS_BOOK_DUPLICATE', async () => {
    h = harness();
    detectsR2(h);
    h.r2
      .intercept({ path: '/v2/address-books', method: 'POST' })
      .reply(
        400,
        { message: 'That name is in use already, please choose another. ERROR_ADDRESSBOOK_DUPLICATE' },
        { headers: JSON_HEADERS },
      );
    expect(await rejection(() => h.client.createAddressBook(CREDS, { name: 'Test' }))).toMatchObject({
      code: 'DD_ADDRESS_BOOK_DUPLICATE',
      retryable: false,
      remoteCode: 'ERROR_ADDRESSBOOK_DUPLICATE',
    });
  });
});

describe('options', () => {
  it('refuses an r1 base URL outside DotDigital unless the sandbox setting allows it', () => {
    expect(
      () => new DotdigitalClient({ logger: silentLogger(), r1BaseUrl: 'http://127.0.0.1:1/r1' }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error);
    expect(() => new DotdigitalClient({ logger: silentLogger(), requestTimeoutMs: 0 })).toThrow(
      /requestTimeoutMs/,
    );
    expect(
      new DotdigitalClient({
        logger: silentLogger(),
        r1BaseUrl: 'http://127.0.0.1:1/r1',
        allowAnyHost: true,
      }),
    ).toBeInstanceOf(DotdigitalClient);
    h = harness();
  });
});
