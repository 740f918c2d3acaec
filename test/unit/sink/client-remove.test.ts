import { afterEach, describe, expect, it } from 'vitest';
import {
  bodyText,
  CREDS,
  detectsR2,
  event,
  harness,
  JSON_HEADERS,
  rejection,
  type Harness,
} from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h.done();
});

const DELETE = { path: '/v2/address-books/77/contacts/delete', method: 'POST' } as const;
const deletion = (id: string) => ({ path: `/v2/contacts/deletion/${id}`, method: 'GET' }) as const;
const lookup = (identifier: string, value: string) =>
  ({ path: `/contacts/v3/${identifier}/${encodeURIComponent(value)}`, method: 'GET' }) as const;

function captureDeletes(h: Harness, ...jobIds: string[]): number[][] {
  const bodies: number[][] = [];
  for (const id of jobIds) {
    h.r2.intercept(DELETE).reply(
      202,
      (opts) => {
        bodies.push(JSON.parse(bodyText(opts)) as number[]);
        return { id, status: 'Started' };
      },
      { headers: JSON_HEADERS },
    );
    h.r2.intercept(deletion(id)).reply(200, { Id: id, Status: 'Completed' }, { headers: JSON_HEADERS });
  }
  return bodies;
}

describe('bulk remove', () => {
  it('uses event ids, then the cache, then v3 look-ups; a 404 counts as removed', async () => {
    h = harness();
    detectsR2(h);
    // An import teaches the cache the id of cached@.
    h.r2
      .intercept({ path: '/contacts/v3/import', method: 'PUT' })
      .reply(202, { importId: 'i' }, { headers: JSON_HEADERS });
    h.r2
      .intercept({ path: '/contacts/v3/import/i', method: 'GET' })
      .reply(
        200,
        { status: 'Finished', created: [{ contactId: 500, identifiers: { email: 'cached@example.com' } }] },
        { headers: JSON_HEADERS },
      );
    await h.client.addContacts(CREDS, 1, [event(0, { email: 'Cached@example.com' })]);

    h.r2
      .intercept(lookup('email', 'looked+up@example.com'))
      .reply(
        200,
        { contactId: 600, identifiers: { email: 'looked+up@example.com' } },
        { headers: JSON_HEADERS },
      );
    h.r2
      .intercept(lookup('email', 'gone@example.com'))
      .reply(
        404,
        { errorCode: 'contacts:contactNotFound', description: 'not found' },
        { headers: JSON_HEADERS },
      );
    h.r2
      .intercept(lookup('mobileNumber', '447700900002'))
      .reply(200, { contactId: 700 }, { headers: JSON_HEADERS });
    const bodies = captureDeletes(h, 'del-1');
    const events = [
      event(1, { contactId: 400, email: 'has-id@example.com' }, 'REMOVE'),
      event(2, { email: 'cached@example.com' }, 'REMOVE'),
      event(3, { email: 'looked+up@example.com' }, 'REMOVE'),
      event(4, { email: 'gone@example.com' }, 'REMOVE'),
      event(5, { mobileNumber: '447700900002' }, 'REMOVE'),
      event(6, { email: 'LOOKED+UP@example.com' }, 'REMOVE'),
      event(7, {}, 'REMOVE'),
    ];
    const outcomes = await h.client.removeContacts(CREDS, 77, events);
    expect(outcomes).toEqual([
      { ok: true, contactId: 400 },
      { ok: true, contactId: 500 },
      { ok: true, contactId: 600 },
      { ok: true },
      { ok: true, contactId: 700 },
      { ok: true, contactId: 600 },
      expect.objectContaining({ ok: false }),
    ]);
    expect(bodies).toEqual([[400, 500, 600, 700]]);
    const cache = (await h.metrics.contactIdCache.get()).values.map((v) => [v.labels.result, v.value]);
    expect(Object.fromEntries(cache)).toEqual({ hit: 1, miss: 4 });
    expect(h.gateCalls.filter((c) => c.operation === 'lookup')).toHaveLength(3);
  });

  it('caches looked-up ids for the next removal', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(lookup('email', 'a@example.com')).reply(200, { contactId: 1 }, { headers: JSON_HEADERS });
    captureDeletes(h, 'd1', 'd2');
    await h.client.removeContacts(CREDS, 77, [event(1, { email: 'a@example.com' }, 'REMOVE')]);
    await h.client.removeContacts(CREDS, 77, [event(1, { email: 'a@example.com' }, 'REMOVE')]);
  });

  it('sends no delete when nobody is a contact', async () => {
    h = harness();
    detectsR2(h);
    h.r2
      .intercept(lookup('email', 'x@example.com'))
      .reply(404, { errorCode: 'contacts:contactNotFound' }, { headers: JSON_HEADERS });
    expect(
      await h.client.removeContacts(CREDS, 77, [event(1, { email: 'x@example.com' }, 'REMOVE')]),
    ).toEqual([{ ok: true }]);
  });

  it('chunks large id lists and polls each deletion', async () => {
    h = harness({ deleteChunkSize: 2 });
    detectsR2(h);
    const bodies = captureDeletes(h, 'a', 'b', 'c');
    const events = [1, 2, 3, 4, 5].map((n) => event(n, { contactId: n }, 'REMOVE'));
    expect(await h.client.removeContacts(CREDS, 77, events)).toHaveLength(5);
    expect(bodies).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('throws the whole call when a look-up fails transiently', async () => {
    h = harness({ lookupConcurrency: 1 });
    detectsR2(h);
    h.r2.intercept(lookup('email', 'a@example.com')).reply(200, { contactId: 1 }, { headers: JSON_HEADERS });
    h.r2.intercept(lookup('email', 'b@example.com')).reply(503, 'unavailable');
    const err = await rejection(() =>
      h.client.removeContacts(
        CREDS,
        77,
        ['a', 'b', 'c'].map((x, i) => event(i, { email: `${x}@example.com` }, 'REMOVE')),
      ),
    );
    expect(err).toMatchObject({ code: 'DD_SERVER_ERROR', retryable: true });
  });

  it('rejects one contact whose identifier DotDigital calls invalid (400), and removes the others', async () => {
    h = harness();
    detectsR2(h);
    h.r2
      .intercept(lookup('email', 'not-an-email'))
      .reply(400, { errorCode: 'contacts:invalidId', description: 'invalid' }, { headers: JSON_HEADERS });
    captureDeletes(h, 'd');
    const outcomes = await h.client.removeContacts(CREDS, 77, [
      event(1, { email: 'not-an-email' }, 'REMOVE'),
      event(2, { contactId: 9 }, 'REMOVE'),
    ]);
    expect(outcomes[0]).toMatchObject({
      ok: false,
      error: { code: 'DD_CONTACT_REJECTED', remoteCode: 'contacts:invalidId' },
    });
    expect(outcomes[1]).toEqual({ ok: true, contactId: 9 });
  });

  it('throws DD_DELETION_FAILED when the deletion job fails', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(DELETE).reply(202, { id: 'd', status: 'Started' }, { headers: JSON_HEADERS });
    h.r2.intercept(deletion('d')).reply(200, { id: 'd', status: 'Started' }, { headers: JSON_HEADERS });
    h.r2.intercept(deletion('d')).reply(200, { id: 'd', status: 'Failed' }, { headers: JSON_HEADERS });
    expect(
      await rejection(() => h.client.removeContacts(CREDS, 77, [event(1, { contactId: 1 }, 'REMOVE')])),
    ).toMatchObject({ code: 'DD_DELETION_FAILED', retryable: true });
  });

  it('maps an unknown book to DD_ADDRESS_BOOK_NOT_FOUND whatever the status', async () => {
    h = harness();
    detectsR2(h);
    h.r2
      .intercept(DELETE)
      .reply(404, { message: 'Error: ERROR_ADDRESSBOOK_NOT_FOUND' }, { headers: JSON_HEADERS });
    expect(
      await rejection(() => h.client.removeContacts(CREDS, 77, [event(1, { contactId: 1 }, 'REMOVE')])),
    ).toMatchObject({ code: 'DD_ADDRESS_BOOK_NOT_FOUND', retryable: false });
  });

  it('never calls a v3 DELETE (that would delete the contact from the account)', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(lookup('email', 'a@example.com')).reply(200, { contactId: 3 }, { headers: JSON_HEADERS });
    captureDeletes(h, 'd');
    const methods: string[] = [];
    const original = h.agent.dispatch.bind(h.agent);
    h.agent.dispatch = (opts, handler) => {
      methods.push(`${opts.method} ${opts.path}`);
      return original(opts, handler);
    };
    await h.client.removeContacts(CREDS, 77, [event(1, { email: 'a@example.com' }, 'REMOVE')]);
    expect(methods.filter((m) => m.startsWith('DELETE'))).toEqual([]);
    expect(methods).toContain('POST /v2/address-books/77/contacts/delete');
  });
});

describe('bulk remove of many unknown emails', () => {
  const emails = Array.from({ length: 25 }, (_, i) => `m${i}@example.com`);

  it('lists the book members instead of one look-up each; non-members need no call', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept({ path: '/v2/address-books/77', method: 'GET' }).reply(200, { id: 77, name: 'B', contacts: 2 }, { headers: JSON_HEADERS });
    h.r2
      .intercept({ path: '/v2/address-books/77/contacts?withFullData=false&select=1000&skip=0', method: 'GET' })
      .reply(200, [{ id: 11, email: 'M3@example.com' }, { id: 12, email: 'elsewhere@example.com' }], { headers: JSON_HEADERS });
    const bodies = captureDeletes(h, 'del-m');
    const outcomes = await h.client.removeContacts(CREDS, 77, emails.map((e, i) => event(i, { email: e }, 'REMOVE')));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(25);
    expect(outcomes[3]).toEqual({ ok: true, contactId: 11 });
    expect(bodies).toEqual([[11]]);
    expect(h.gateCalls.filter((c) => c.operation === 'lookup')).toHaveLength(2);
  });

  it('keeps one look-up each when the book is too big for listing to pay', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept({ path: '/v2/address-books/77', method: 'GET' }).reply(200, { id: 77, name: 'B', contacts: 50_000 }, { headers: JSON_HEADERS });
    for (const e of emails) h.r2.intercept(lookup('email', e)).reply(404, { errorCode: 'contacts:contactNotFound' }, { headers: JSON_HEADERS });
    const outcomes = await h.client.removeContacts(CREDS, 77, emails.map((e, i) => event(i, { email: e }, 'REMOVE')));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(h.gateCalls.filter((c) => c.operation === 'lookup')).toHaveLength(26);
  });
});
