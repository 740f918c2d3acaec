import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { DotdigitalClient } from '../../../src/sink/client.js';
import { failure, startContract, type Contract } from './contract.js';

let c: Contract;
beforeAll(async () => {
  c = await startContract();
});
afterAll(async () => {
  await c.close();
});

describe('region detection against the sandbox', () => {
  it('finds each account in its own region through r1 account-info', async () => {
    for (const region of ['r1', 'r2', 'r3'] as const) {
      const creds = c.account({ region });
      const info = await c.client.detectAccount(creds);
      expect(info).toEqual({
        accountId: String(creds.accountId),
        apiEndpoint: c.sandbox.baseUrl(region),
        region,
      });
      await expect(c.client.listAddressBooks(creds)).resolves.toHaveLength(1); // the Test book
    }
  });

  it('is denied (403) on the wrong region', async () => {
    const creds = c.account({ region: 'r2' });
    expect(await failure(() => c.client.listAddressBooks({ ...creds, region: 'r3' }))).toMatchObject({
      code: 'DD_FORBIDDEN',
      status: 403,
    });
    await expect(
      c.client.listAddressBooks({ ...creds, connectorId: `${creds.connectorId}-ok`, region: 'r2' }),
    ).resolves.toHaveLength(1);
  });

  it('rejects bad credentials with DD_INVALID_CREDENTIALS', async () => {
    const creds = c.account();
    expect(await failure(() => c.client.checkCredentials({ ...creds, password: 'wrong' }))).toMatchObject({
      code: 'DD_INVALID_CREDENTIALS',
      status: 401,
      retryable: false,
    });
    await expect(c.client.checkCredentials(creds)).resolves.toMatchObject({ region: 'r2' });
  });

  it('refuses the sandbox endpoint unless allowAnyHost is set', () => {
    expect(() => new DotdigitalClient({ logger: silentLogger(), r1BaseUrl: c.sandbox.r1BaseUrl })).toThrow(
      /r1BaseUrl/,
    );
  });
});

describe('address books against the sandbox', () => {
  it('pages past 1,000 books', async () => {
    const names = Array.from({ length: 2345 }, (_, i) => ({ name: `Book ${String(i).padStart(4, '0')}` }));
    const creds = c.account({ addressBooks: names });
    const books = await c.client.listAddressBooks(creds);
    expect(books).toHaveLength(2346);
    expect(new Set(books.map((b) => b.name))).toEqual(new Set(['Test', ...names.map((n) => n.name)]));
    expect(
      c.sandbox.calls().filter((e) => e.accountId === creds.accountId && e.operation === 'listAddressBooks'),
    ).toHaveLength(4);
  });

  it('creates books (201 and 200) and refuses duplicate and reserved names', async () => {
    const creds = c.account({ addressBooks: [{ name: 'Existing' }] });
    await expect(
      c.client.createAddressBook(creds, { name: 'Fresh', visibility: 'Public' }),
    ).resolves.toMatchObject({ name: 'Fresh', visibility: 'Public', contacts: 0 });
    c.sandbox.control.setSettings({ addressBookCreateStatus: 200 });
    try {
      await expect(c.client.createAddressBook(creds, { name: 'Fresh 200' })).resolves.toMatchObject({
        name: 'Fresh 200',
        visibility: 'Private',
      });
    } finally {
      c.sandbox.control.setSettings({ addressBookCreateStatus: 201 });
    }
    for (const name of ['existing', 'Test', 'All Contacts']) {
      expect(await failure(() => c.client.createAddressBook(creds, { name }))).toMatchObject({
        code: 'DD_ADDRESS_BOOK_DUPLICATE',
        remoteCode: 'ERROR_ADDRESSBOOK_DUPLICATE',
      });
    }
    expect((await c.client.listAddressBooks(creds)).map((b) => b.name).sort()).toEqual([
      'Existing',
      'Fresh',
      'Fresh 200',
      'Test',
    ]);
  });
});
