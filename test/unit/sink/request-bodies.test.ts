/**
 * Snapshots of what the client sends DotDigital, built from fixture events. A change here is a
 * change of the wire contract: review the snapshot diff against the DotDigital API notes.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildImportRequest } from '../../../src/sink/add.js';
import type { MembershipChange } from '../../../src/windowing/event.js';
import { bodyText, CREDS, detectsR2, harness, JSON_HEADERS, type Harness } from './helpers.js';

const events = JSON.parse(
  readFileSync(new URL('../../fixtures/sink/events.json', import.meta.url), 'utf8'),
) as MembershipChange[];
const removals = events.map((e) => ({ ...e, action: 'REMOVE' as const }));

let h: Harness | undefined;
afterEach(async () => {
  await h?.done();
  h = undefined;
});

describe('outbound request bodies', () => {
  it('v3 import: one contact per identifier, matched by email, else mobile, else contact id', async () => {
    const plan = buildImportRequest(345579, events);
    await expect(JSON.stringify(plan.body, null, 2)).toMatchFileSnapshot(
      '../../fixtures/sink/import-body.snap',
    );
    expect(plan.slotOfEvent).toEqual([0, 1, 2, 3, 0, -1]);
  });

  it('v2 bulk delete: a bare array of contact ids', async () => {
    h = harness();
    detectsR2(h);
    let body = '';
    h.r2
      .intercept({ path: '/contacts/v3/email/jane.doe%40emailsim.io', method: 'GET' })
      .reply(200, { contactId: 35212000 }, { headers: JSON_HEADERS });
    h.r2
      .intercept({ path: '/contacts/v3/mobileNumber/447700900123', method: 'GET' })
      .reply(200, { contactId: 35212999 }, { headers: JSON_HEADERS });
    h.r2.intercept({ path: '/v2/address-books/345579/contacts/delete', method: 'POST' }).reply(
      202,
      (opts) => {
        body = bodyText(opts);
        return { id: 'd', status: 'Started' };
      },
      { headers: JSON_HEADERS },
    );
    h.r2
      .intercept({ path: '/v2/contacts/deletion/d', method: 'GET' })
      .reply(200, { id: 'd', status: 'Completed' }, { headers: JSON_HEADERS });
    await h.client.removeContacts(CREDS, 345579, removals);
    await expect(body).toMatchFileSnapshot('../../fixtures/sink/bulk-delete-body.snap');
  });

  it('v2 address-book create', async () => {
    h = harness();
    detectsR2(h);
    let body = '';
    h.r2.intercept({ path: '/v2/address-books', method: 'POST' }).reply(
      201,
      (opts) => {
        body = bodyText(opts);
        return { id: 1, name: 'Journey: welcome' };
      },
      { headers: JSON_HEADERS },
    );
    await h.client.createAddressBook(CREDS, { name: 'Journey: welcome' });
    await expect(body).toMatchFileSnapshot('../../fixtures/sink/create-address-book-body.snap');
  });
});
