import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookId, change, failure, members, startContract, type Contract } from './contract.js';

let c: Contract;
beforeAll(async () => {
  c = await startContract();
});
afterAll(async () => {
  await c.close();
});

const outcomeOf = (o: { ok: boolean; error?: { code: string; remoteCode?: string | undefined } }) =>
  o.ok ? 'ok' : `${o.error?.code}:${o.error?.remoteCode ?? ''}`;

describe('bulk add against the sandbox', () => {
  it('imports a batch with mixed per-contact failures', async () => {
    const creds = c.account({ addressBooks: [{ name: 'Mixed' }], suppressedEmails: ['blocked@example.com'] });
    const book = bookId(c.sandbox, creds.accountId, 'Mixed');
    const events = [
      change(1, { email: 'ann@example.com' }, book),
      change(2, { email: 'not-an-email' }, book),
      change(3, { email: 'blocked@example.com' }, book),
      change(4, { email: 'ANN@example.com' }, book),
      change(5, { mobileNumber: '447700900111' }, book),
      change(6, { mobileNumber: 'call-me' }, book),
      change(7, { contactId: 1 }, book),
      change(8, {}, book),
    ];
    const outcomes = await c.client.addContacts(creds, book, events);
    expect(outcomes.map(outcomeOf)).toEqual([
      'ok',
      'DD_CONTACT_REJECTED:invalidEmail',
      'DD_CONTACT_REJECTED:globallySuppressed',
      'ok',
      'ok',
      'DD_CONTACT_REJECTED:invalidPhoneNumber',
      'DD_CONTACT_REJECTED:invalidContactId',
      'EVENT_NO_IDENTIFIER:',
    ]);
    expect(outcomes[0]).toEqual(outcomes[3]);
    expect(members(c.sandbox, creds.accountId, 'Mixed')).toEqual(['447700900111', 'ann@example.com']);
    // Adding again is harmless: the same contacts, updated, same ids.
    const again = await c.client.addContacts(creds, book, events.slice(0, 1));
    expect(again).toEqual([outcomes[0]]);
  });

  it('reports every contact of a batch sent to an unknown or unwritable book as rejected', async () => {
    const creds = c.account();
    const test = bookId(c.sandbox, creds.accountId, 'Test');
    for (const book of [test, 42]) {
      const [o] = await c.client.addContacts(creds, book, [change(1, { email: 'x@example.com' }, book)]);
      expect(o && outcomeOf(o)).toBe('DD_CONTACT_REJECTED:invalidAddressBookIds');
    }
  });

  it('polls an import to its end within ≤ 3 polls for a short job', async () => {
    const creds = c.account({ addressBooks: [{ name: 'Polls' }] });
    const book = bookId(c.sandbox, creds.accountId, 'Polls');
    const client = c.otherClient({ pollInitialMs: 50, pollMaxMs: 1000 });
    await client.addContacts(creds, book, [change(1, { email: 'p@example.com' }, book)]);
    const polls = c.sandbox
      .calls()
      .filter((e) => e.accountId === creds.accountId && e.operation === 'getImportStatus');
    expect(polls.length).toBeGreaterThanOrEqual(1);
    expect(polls.length).toBeLessThanOrEqual(3);
  });
});

describe('bulk remove against the sandbox', () => {
  it('removes members, counts non-members and unknown contacts as removed, and leaves other books alone', async () => {
    const creds = c.account({ addressBooks: [{ name: 'Main' }, { name: 'Other' }] });
    const main = bookId(c.sandbox, creds.accountId, 'Main');
    const other = bookId(c.sandbox, creds.accountId, 'Other');
    const added = await c.client.addContacts(
      creds,
      main,
      ['a', 'b', 'c'].map((x, i) => change(i, { email: `${x}@example.com` }, main)),
    );
    await c.client.addContacts(creds, other, [
      change(9, { email: 'a@example.com' }, other),
      change(10, { email: 'outsider@example.com' }, other),
    ]);
    const bId = added[1]?.ok === true ? added[1].contactId : undefined;
    const lookupsBefore = c.sandbox.callCount({ operation: 'getContact' });

    const fresh = c.otherClient({}); // an empty id cache: look-ups by email
    const outcomes = await fresh.removeContacts(creds, main, [
      change(1, { email: 'a@example.com' }, main, 'REMOVE'),
      change(2, { contactId: bId ?? -1 }, main, 'REMOVE'),
      change(3, { email: 'outsider@example.com' }, main, 'REMOVE'), // a contact, not a member
      change(4, { email: 'never@example.com' }, main, 'REMOVE'), // not a contact at all
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true]);
    expect(outcomes[3]).toEqual({ ok: true });
    expect(members(c.sandbox, creds.accountId, 'Main')).toEqual(['c@example.com']);
    expect(members(c.sandbox, creds.accountId, 'Other')).toEqual(['a@example.com', 'outsider@example.com']);
    expect(c.sandbox.callCount({ operation: 'getContact' }) - lookupsBefore).toBe(3);
    expect(c.sandbox.calls().some((e) => e.method === 'DELETE')).toBe(false);
  });

  it('resolves many unknown emails by listing the book once instead of a look-up each', async () => {
    const creds = c.account({ addressBooks: [{ name: 'Churn' }] });
    const book = bookId(c.sandbox, creds.accountId, 'Churn');
    await c.client.addContacts(creds, book, Array.from({ length: 30 }, (_, i) => change(i, { email: `m${i}@example.com` }, book)));
    const lookupsBefore = c.sandbox.callCount({ operation: 'getContact' });
    const listsBefore = c.sandbox.callCount({ operation: 'listBookContacts' });
    const fresh = c.otherClient({});
    const outcomes = await fresh.removeContacts(
      creds,
      book,
      Array.from({ length: 40 }, (_, i) => change(i, { email: `M${i}@Example.com` }, book, 'REMOVE')), // 10 never added
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(members(c.sandbox, creds.accountId, 'Churn')).toEqual([]);
    expect(c.sandbox.callCount({ operation: 'getContact' }) - lookupsBefore).toBe(0);
    expect(c.sandbox.callCount({ operation: 'listBookContacts' }) - listsBefore).toBe(1);
  });

  it('resolves ids from its import cache without look-ups', async () => {
    const creds = c.account({ addressBooks: [{ name: 'Cache' }] });
    const book = bookId(c.sandbox, creds.accountId, 'Cache');
    await c.client.addContacts(creds, book, [change(1, { email: 'cached@example.com' }, book)]);
    const before = c.sandbox.callCount({ operation: 'getContact' });
    await c.client.removeContacts(creds, book, [change(1, { email: 'Cached@Example.com' }, book, 'REMOVE')]);
    expect(c.sandbox.callCount({ operation: 'getContact' })).toBe(before);
    expect(members(c.sandbox, creds.accountId, 'Cache')).toEqual([]);
  });

  it('maps unknown and unwritable books to their codes', async () => {
    const creds = c.account();
    const test = bookId(c.sandbox, creds.accountId, 'Test');
    expect(
      await failure(() =>
        c.client.removeContacts(creds, 4242, [change(1, { contactId: 5 }, 4242, 'REMOVE')]),
      ),
    ).toMatchObject({ code: 'DD_ADDRESS_BOOK_NOT_FOUND', status: 404 });
    expect(
      await failure(() =>
        c.client.removeContacts(creds, test, [change(1, { contactId: 5 }, test, 'REMOVE')]),
      ),
    ).toMatchObject({ code: 'DD_ADDRESS_BOOK_NOT_WRITABLE', status: 400 });
  });

  it('chunks large removals into several deletion jobs', async () => {
    const creds = c.account({ addressBooks: [{ name: 'Big' }] });
    const book = bookId(c.sandbox, creds.accountId, 'Big');
    const events = Array.from({ length: 25 }, (_, i) => change(i, { email: `m${i}@example.com` }, book));
    await c.client.addContacts(creds, book, events);
    const chunked = c.otherClient({ deleteChunkSize: 10 });
    const ids = (await c.client.addContacts(creds, book, events)).map((o) => (o.ok ? (o.contactId ?? 0) : 0));
    await chunked.removeContacts(
      creds,
      book,
      ids.map((id, i) => change(i, { contactId: id }, book, 'REMOVE')),
    );
    expect(members(c.sandbox, creds.accountId, 'Big')).toEqual([]);
    expect(
      c.sandbox
        .calls()
        .filter((e) => e.accountId === creds.accountId && e.operation === 'bulkDeleteContacts'),
    ).toHaveLength(3);
  });
});
