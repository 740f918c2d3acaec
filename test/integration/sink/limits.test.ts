import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookId, change, failure, startContract, type Contract } from './contract.js';

let c: Contract;
beforeAll(async () => {
  c = await startContract({ limitWindowMs: 60_000 });
});
afterAll(async () => {
  await c.close();
});

describe('tiered limits against the sandbox', () => {
  it('hands every answer’s X-RateLimit-* headers (delta Reset) to the observer, scoped by endpoint family', async () => {
    const creds = c.account({ limits: { addressBooks: 50 } });
    const before = Date.now();
    await c.client.listAddressBooks(creds);
    const seen = c.feedback.filter((f) => f.ctx.connectorId === creds.connectorId);
    expect(seen.map((f) => [f.ctx.operation, f.scope, f.status])).toEqual([
      ['admin', 'accountInfo', 200],
      ['admin', 'addressBooks', 200],
      ['admin', 'addressBooks', 200],
    ]);
    expect(seen[2]).toMatchObject({ limit: 50, remaining: 48, flatRateCap: false });
    expect(seen[2]!.resetAtMs).toBeGreaterThan(before + 50_000);
    expect(seen[2]!.resetAtMs).toBeLessThanOrEqual(Date.now() + 61_000);
  });

  it('reads the epoch form of Reset the same way', async () => {
    c.sandbox.control.setSettings({ resetHeaderForm: 'epoch' });
    try {
      const creds = c.account();
      await c.client.detectAccount(creds);
      const f = c.feedback.filter((x) => x.ctx.connectorId === creds.connectorId).at(-1)!;
      expect(f.resetAtMs).toBeGreaterThan(Date.now() + 50_000);
      expect(f.resetAtMs).toBeLessThanOrEqual(Date.now() + 62_000);
    } finally {
      c.sandbox.control.setSettings({ resetHeaderForm: 'delta' });
    }
  });

  it('throws DD_RATE_LIMITED with the reset time once the window is spent', async () => {
    const creds = c.account({ limits: { addressBooks: 2 } });
    await c.client.listAddressBooks(creds); // two pages: the budget is spent
    const err = await failure(() => c.client.listAddressBooks(creds));
    expect(err).toMatchObject({ code: 'DD_RATE_LIMITED', status: 429, retryable: true });
    expect(err.retryAtMs).toBeGreaterThan(Date.now());
    expect(c.feedback.at(-1)).toMatchObject({ status: 429, scope: 'addressBooks', remaining: 0 });
  });

  it('answers the flat-rate cap with DD_APIUSAGE_EXCEEDED and flags it to the observer', async () => {
    const creds = c.account({ rateMode: 'flat', flatLimitPerHour: 3 });
    await c.client.listAddressBooks(creds); // account-info and two pages: the hour's budget is spent
    const err = await failure(() => c.client.listAddressBooks(creds));
    expect(err).toMatchObject({
      code: 'DD_APIUSAGE_EXCEEDED',
      status: 400,
      retryable: true,
      remoteCode: 'ERROR_APIUSAGE_EXCEEDED',
    });
    const last = c.feedback.at(-1)!;
    expect(last).toMatchObject({ status: 400, flatRateCap: true, limit: undefined, scope: 'admin' });
  });

  it('caps active imports (429 contacts:tooManyActiveImports)', async () => {
    c.sandbox.control.setSettings({ maxActiveImports: 2, importDelayMs: 60_000 });
    try {
      const creds = c.account({ addressBooks: [{ name: 'Busy' }] });
      const book = bookId(c.sandbox, creds.accountId, 'Busy');
      const auth = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      for (let i = 0; i < 2; i++) {
        const res = await request(`${c.sandbox.baseUrl('r2')}/contacts/v3/import`, {
          method: 'PUT',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({
            contacts: [
              { matchIdentifier: 'email', identifiers: { email: `busy${i}@example.com` }, lists: [book] },
            ],
          }),
        });
        expect(res.statusCode).toBe(202);
        await res.body.dump();
      }
      const err = await failure(() =>
        c.client.addContacts(creds, book, [change(1, { email: 'third@example.com' }, book)]),
      );
      expect(err).toMatchObject({
        code: 'DD_TOO_MANY_ACTIVE_IMPORTS',
        status: 429,
        retryable: true,
        remoteCode: 'contacts:tooManyActiveImports',
      });
    } finally {
      c.sandbox.control.setSettings({ maxActiveImports: 25, importDelayMs: 40 });
    }
  });
});
