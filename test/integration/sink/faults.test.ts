import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bookId, change, failure, members, startContract, type Contract } from './contract.js';

let c: Contract;
/** The sandbox's fault draws, in order (0.5 once they run out). */
const draws: number[] = [];
beforeAll(async () => {
  // One-second limit windows: a storm's 429 announces a reset within a second, and polling waits for it.
  c = await startContract({ limitWindowMs: 1_000, random: () => draws.shift() ?? 0.5 });
});
afterEach(() => {
  c.sandbox.control.clearFaults();
});
afterAll(async () => {
  await c.close();
});

async function ready(name = 'Faults') {
  const creds = c.account({ addressBooks: [{ name }] });
  await c.client.detectAccount(creds);
  return { creds, book: bookId(c.sandbox, creds.accountId, name) };
}

describe('injected faults, as the client sees them', () => {
  it('added latency: calls still succeed, and a timeout shorter than it gives DD_TIMEOUT', async () => {
    const { creds } = await ready();
    c.sandbox.control.setFaults({ latencyMs: 150 });
    await expect(c.client.listAddressBooks(creds)).resolves.toHaveLength(2);
    const impatient = c.otherClient({ requestTimeoutMs: 50 });
    expect(await failure(() => impatient.listAddressBooks(creds))).toMatchObject({
      code: 'DD_TIMEOUT',
      retryable: true,
    });
  });

  it('a 5xx on the import request fails the batch as retryable', async () => {
    const { creds, book } = await ready();
    c.sandbox.control.setFaults({ serverErrorRate: 1, scopes: ['contactImport'] });
    expect(
      await failure(() => c.client.addContacts(creds, book, [change(1, { email: 'a@example.com' }, book)])),
    ).toMatchObject({ code: 'DD_SERVER_ERROR', status: 503, retryable: true });
  });

  it('5xx, resets and 429s while polling do not fail the job', async () => {
    const { creds, book } = await ready();
    // Cumulative edges: reset < 0.33 ≤ server error < 0.67 ≤ 429 < 1; one draw per poll.
    draws.push(0.1, 0.5, 0.9);
    c.sandbox.control.setFaults({
      resetRate: 0.33,
      serverErrorRate: 0.34,
      tooManyRequestsRate: 0.33,
      scopes: ['jobStatus'],
      maxFaults: 3,
    });
    const outcomes = await c.client.addContacts(creds, book, [change(1, { email: 'a@example.com' }, book)]);
    expect(outcomes[0]?.ok).toBe(true);
    expect(members(c.sandbox, creds.accountId, 'Faults')).toEqual(['a@example.com']);
    const faulted = c.sandbox.calls().filter((e) => e.scope === 'jobStatus' && e.status !== '200');
    expect(faulted.map((e) => e.status)).toEqual(['reset', '503', '429']);
  });

  it('a connection reset gives a retryable DD_NETWORK', async () => {
    const { creds } = await ready();
    c.sandbox.control.setFaults({ resetRate: 1, scopes: ['addressBooks'] });
    expect(await failure(() => c.client.listAddressBooks(creds))).toMatchObject({
      code: 'DD_NETWORK',
      retryable: true,
    });
  });

  it('a hang past the client timeout gives a retryable DD_TIMEOUT', async () => {
    const { creds, book } = await ready();
    c.sandbox.control.setFaults({ hangRate: 1, scopes: ['contactDelete'] });
    const impatient = c.otherClient({ requestTimeoutMs: 200 });
    expect(
      await failure(() =>
        impatient.removeContacts(creds, book, [change(1, { contactId: 7 }, book, 'REMOVE')]),
      ),
    ).toMatchObject({ code: 'DD_TIMEOUT', retryable: true });
  });

  it('a 429 storm gives DD_RATE_LIMITED with the reset, and reports the 429', async () => {
    const { creds, book } = await ready();
    c.sandbox.control.setFaults({ tooManyRequestsRate: 1, scopes: ['contactImport'] });
    const err = await failure(() =>
      c.client.addContacts(creds, book, [change(1, { email: 'a@example.com' }, book)]),
    );
    expect(err).toMatchObject({ code: 'DD_RATE_LIMITED', status: 429 });
    expect(err.retryAtMs).toBeGreaterThan(Date.now());
    expect(c.feedback.at(-1)).toMatchObject({
      status: 429,
      scope: 'contactImport',
      remaining: 0,
      ctx: { operation: 'add', accountId: String(creds.accountId) },
    });
  });

  it('imports and deletions that end badly throw their codes', async () => {
    const { creds, book } = await ready();
    c.sandbox.control.setFaults({ importStatus: 'Failed' });
    expect(
      await failure(() => c.client.addContacts(creds, book, [change(1, { email: 'a@example.com' }, book)])),
    ).toMatchObject({ code: 'DD_IMPORT_FAILED', retryable: true });
    c.sandbox.control.setFaults({ importStatus: 'RejectedByWatchdog' });
    expect(
      await failure(() => c.client.addContacts(creds, book, [change(1, { email: 'a@example.com' }, book)])),
    ).toMatchObject({ code: 'DD_IMPORT_REJECTED', retryable: false });
    c.sandbox.control.setFaults({ deletionStatus: 'Failed' });
    expect(
      await failure(() =>
        c.client.removeContacts(creds, book, [change(1, { contactId: 7 }, book, 'REMOVE')]),
      ),
    ).toMatchObject({ code: 'DD_DELETION_FAILED', retryable: true });
    expect(members(c.sandbox, creds.accountId, 'Faults')).toEqual([]);
  });
});
