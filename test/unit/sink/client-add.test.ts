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

const IMPORT = { path: '/contacts/v3/import', method: 'PUT' } as const;
const status = (id: string) => ({ path: `/contacts/v3/import/${id}`, method: 'GET' }) as const;

describe('bulk add', () => {
  it('imports every contact once and maps the report back to one outcome per event, in order', async () => {
    h = harness();
    detectsR2(h);
    let sent: unknown;
    h.r2.intercept(IMPORT).reply(
      202,
      (opts) => {
        sent = JSON.parse(bodyText(opts));
        return { importId: 'imp-1' };
      },
      { headers: JSON_HEADERS },
    );
    h.r2
      .intercept(status('imp-1'))
      .reply(200, { importId: 'imp-1', status: 'NotFinished' }, { headers: JSON_HEADERS });
    h.r2.intercept(status('imp-1')).reply(
      200,
      {
        importId: 'imp-1',
        status: 'Finished',
        summary: { newContacts: 1, updatedContacts: 2, invalidEntries: 1 },
        created: [{ contactId: 11, identifiers: { email: 'new@example.com' } }],
        updated: [
          { contactId: 12, identifiers: { email: 'OLD@example.com', mobileNumber: '447700900001' } },
          { contactId: 13, identifiers: { contactId: 13 } },
        ],
        failures: [
          {
            matchIdentifier: 'email',
            identifiers: { email: 'bad@@x' },
            failures: [{ failureCode: 'invalidEmail', description: "Invalid value for 'email'" }],
          },
        ],
      },
      { headers: JSON_HEADERS },
    );
    const events = [
      event(1, { email: 'new@example.com' }),
      event(2, { email: 'old@example.com' }),
      event(3, { email: 'bad@@x' }),
      event(4, { mobileNumber: '+447700900001' }),
      event(5, { contactId: 13 }),
      event(6, { email: 'Old@Example.com' }),
      event(7, {}),
      event(8, { email: 'ghost@example.com' }),
    ];
    const outcomes = await h.client.addContacts(CREDS, 77, events);
    expect(
      outcomes.map((o) =>
        o.ok ? { ok: true, id: o.contactId } : { ok: false, code: o.error.code, remote: o.error.remoteCode },
      ),
    ).toEqual([
      { ok: true, id: 11 },
      { ok: true, id: 12 },
      { ok: false, code: 'DD_CONTACT_REJECTED', remote: 'invalidEmail' },
      { ok: true, id: 12 },
      { ok: true, id: 13 },
      { ok: true, id: 12 },
      { ok: false, code: 'EVENT_NO_IDENTIFIER', remote: undefined },
      { ok: false, code: 'DD_CONTACT_MISSING', remote: undefined },
    ]);
    expect((sent as { contacts: unknown[] }).contacts).toHaveLength(6); // old@ sent once, no-identifier event not sent
    expect(h.gateCalls.map((c) => c.operation)).toEqual(['admin', 'add', 'poll', 'poll']);
    expect(h.gateCalls.at(-1)?.accountId).toBe('4321');
  });

  it('lets a listed failure win over created/updated for the same contact', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(IMPORT).reply(202, { importId: 'imp-2' }, { headers: JSON_HEADERS });
    h.r2.intercept(status('imp-2')).reply(
      200,
      {
        importId: 'imp-2',
        status: 'Finished',
        created: [{ contactId: 21, identifiers: { email: 'a@example.com' } }],
        failures: [
          {
            contactId: 21,
            matchIdentifier: 'email',
            identifiers: { email: 'a@example.com' },
            failures: [
              { failureCode: 'invalidAddressBookIds', description: 'no' },
              { failureCode: 'x', description: '' },
            ],
          },
        ],
      },
      { headers: JSON_HEADERS },
    );
    const [outcome] = await h.client.addContacts(CREDS, 77, [event(1, { email: 'a@example.com' })]);
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        code: 'DD_CONTACT_REJECTED',
        remoteCode: 'invalidAddressBookIds',
        message: 'import rejected the contact: invalidAddressBookIds (no), x',
      },
    });
  });

  it('polls on through transient poll errors', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(IMPORT).reply(202, { importId: 'imp-3' }, { headers: JSON_HEADERS });
    h.r2.intercept(status('imp-3')).reply(503, 'busy');
    h.r2.intercept(status('imp-3')).reply(429, '', { headers: { 'x-ratelimit-reset': '0' } });
    h.r2.intercept(status('imp-3')).replyWithError(new Error('socket hang up'));
    h.r2.intercept(status('imp-3')).reply(
      200,
      {
        importId: 'imp-3',
        status: 'Finished',
        created: [{ contactId: 31, identifiers: { email: 'a@example.com' } }],
      },
      { headers: JSON_HEADERS },
    );
    expect(await h.client.addContacts(CREDS, 77, [event(1, { email: 'a@example.com' })])).toEqual([
      { ok: true, contactId: 31 },
    ]);
    const polls = (await h.metrics.apiJobPolls.get()).values.find((v) => v.labels.kind === 'import')?.value;
    expect(polls).toBe(4);
  });

  it.each([
    ['Failed', 'DD_IMPORT_FAILED', true],
    ['SomethingNew', 'DD_IMPORT_FAILED', true],
    ['RejectedByWatchdog', 'DD_IMPORT_REJECTED', false],
    ['ExceedsAllowedContactLimit', 'DD_IMPORT_REJECTED', false],
  ])('throws when the whole import ends in %s', async (end, code, retryable) => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(IMPORT).reply(202, { importId: 'imp-4' }, { headers: JSON_HEADERS });
    h.r2.intercept(status('imp-4')).reply(200, { importId: 'imp-4', status: end }, { headers: JSON_HEADERS });
    expect(
      await rejection(() => h.client.addContacts(CREDS, 77, [event(1, { email: 'a@example.com' })])),
    ).toMatchObject({ code, retryable, remoteCode: end });
  });

  it('maps 429 contacts:tooManyActiveImports to a retryable DD_TOO_MANY_ACTIVE_IMPORTS', async () => {
    h = harness();
    detectsR2(h);
    h.r2
      .intercept(IMPORT)
      .reply(
        429,
        { errorCode: 'contacts:tooManyActiveImports', description: 'too many imports' },
        { headers: JSON_HEADERS },
      );
    expect(
      await rejection(() => h.client.addContacts(CREDS, 77, [event(1, { email: 'a@example.com' })])),
    ).toMatchObject({ code: 'DD_TOO_MANY_ACTIVE_IMPORTS', retryable: true, status: 429 });
    expect(h.feedback.at(-1)).toMatchObject({ status: 429, scope: 'add' });
  });

  it('throws DD_UNEXPECTED_RESPONSE when the import answer has no id', async () => {
    h = harness();
    detectsR2(h);
    h.r2.intercept(IMPORT).reply(202, {}, { headers: JSON_HEADERS });
    expect(
      await rejection(() => h.client.addContacts(CREDS, 77, [event(1, { email: 'a@example.com' })])),
    ).toMatchObject({ code: 'DD_UNEXPECTED_RESPONSE' });
  });

  it('gives up with DD_TIMEOUT when the job outlives jobTimeoutMs', async () => {
    h = harness({ jobTimeoutMs: 40 });
    detectsR2(h);
    h.r2.intercept(IMPORT).reply(202, { importId: 'imp-5' }, { headers: JSON_HEADERS });
    h.r2
      .intercept(status('imp-5'))
      .reply(200, { importId: 'imp-5', status: 'NotFinished' }, { headers: JSON_HEADERS })
      .persist();
    expect(
      await rejection(() => h.client.addContacts(CREDS, 77, [event(1, { email: 'a@example.com' })])),
    ).toMatchObject({ code: 'DD_TIMEOUT', retryable: true });
  });

  it('sends nothing for an empty batch or a batch without identifiers', async () => {
    h = harness();
    expect(await h.client.addContacts(CREDS, 77, [])).toEqual([]);
    detectsR2(h);
    const [only] = await h.client.addContacts(CREDS, 77, [event(1, {})]);
    expect(only).toMatchObject({ ok: false, error: { code: 'EVENT_NO_IDENTIFIER' } });
  });
});
