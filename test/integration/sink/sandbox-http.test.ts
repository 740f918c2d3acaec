/**
 * The sandbox's control and inspection endpoints over HTTP (what tests in other OS processes
 * use), its DotDigital-shaped answers to raw requests, and the CLI entry.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { runSandboxCli } from '../../../src/sandbox/main.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ importDelayMs: 10, deletionDelayMs: 10 });
});
afterAll(async () => {
  await sandbox.close();
});

async function call(method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, body?: unknown, auth?: string) {
  const res = await request(url, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

const DEMO = 'apiuser-demo@apiconnector.com:demo-password-1';

describe('control over HTTP', () => {
  it('describes itself and inspects books, members and call counts', async () => {
    const root = await call('GET', sandbox.controlUrl);
    expect(root.body?.regions).toEqual({
      r1: sandbox.baseUrl('r1'),
      r2: sandbox.baseUrl('r2'),
      r3: sandbox.baseUrl('r3'),
    });
    await call('GET', `${sandbox.baseUrl('r1')}/v2/account-info`, undefined, DEMO);
    const inspect = await call('GET', `${sandbox.controlUrl}/inspect`);
    const accounts = inspect.body?.accounts as { id: number; books: { name: string }[] }[];
    expect(accounts.map((a) => a.id)).toEqual([410001, 410002]);
    expect(accounts[0]?.books.map((b) => b.name)).toEqual([
      'Test',
      'Newsletter',
      'VIP customers',
      'Welcome journey',
      'Win-back journey',
    ]);
    expect(inspect.body?.calls).toMatchObject({
      counts: expect.arrayContaining([
        { operation: 'accountInfo', scope: 'accountInfo', status: '200', count: 1 },
      ]) as unknown,
    });
    const calls = await call('GET', `${sandbox.controlUrl}/calls?limit=1`);
    expect(calls.body).toEqual([
      expect.objectContaining({ operation: 'accountInfo', accountId: 410001, path: '/r1/v2/account-info' }),
    ]);
  });

  it('adds accounts, sets limits, rate modes, settings and faults, and resets', async () => {
    expect(
      (
        await call('POST', `${sandbox.controlUrl}/accounts`, {
          id: 77,
          region: 'r3',
          apiUsers: [{ username: 'u77', password: 'p77' }],
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('PUT', `${sandbox.controlUrl}/accounts/77/limits/addressBooks`, { perMinute: 1 })).status,
    ).toBe(200);
    const first = await call('GET', `${sandbox.baseUrl('r3')}/v2/address-books`, undefined, 'u77:p77');
    expect(first.headers['x-ratelimit-limit']).toBe('1');
    expect(
      (await call('GET', `${sandbox.baseUrl('r3')}/v2/address-books`, undefined, 'u77:p77')).status,
    ).toBe(429);

    expect(
      (
        await call('PUT', `${sandbox.controlUrl}/accounts/77/rate-mode`, {
          mode: 'flat',
          flatLimitPerHour: 1,
        })
      ).status,
    ).toBe(200);
    const capped = await call('GET', `${sandbox.baseUrl('r3')}/v2/account-info`, undefined, 'u77:p77');
    expect(capped).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/ERROR_APIUSAGE_EXCEEDED$/) as unknown },
    });

    expect(
      (await call('PUT', `${sandbox.controlUrl}/settings`, { resetHeaderForm: 'epoch' })).body,
    ).toMatchObject({ resetHeaderForm: 'epoch' });
    expect(
      (await call('PUT', `${sandbox.controlUrl}/faults`, { serverErrorRate: 1, serverErrorStatus: 500 }))
        .status,
    ).toBe(200);
    expect((await call('GET', `${sandbox.baseUrl('r2')}/v2/account-info`, undefined, DEMO)).status).toBe(500);

    expect((await call('POST', `${sandbox.controlUrl}/reset`)).status).toBe(200);
    expect((await call('GET', sandbox.controlUrl)).body).toMatchObject({
      faults: {},
      settings: { resetHeaderForm: 'delta' },
    });
    expect((await call('GET', `${sandbox.baseUrl('r3')}/v2/account-info`, undefined, 'u77:p77')).status).toBe(
      401,
    );
    expect(sandbox.inspect().calls.total).toBe(1);
  });

  it('refuses bad control requests with the reason', async () => {
    expect(await call('PUT', `${sandbox.controlUrl}/faults`, { hangRate: 3 })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/hangRate/) as unknown },
    });
    expect(
      (await call('PUT', `${sandbox.controlUrl}/accounts/999/limits/jobStatus`, { perMinute: 1 })).status,
    ).toBe(400);
    expect((await call('POST', `${sandbox.controlUrl}/accounts`, { id: 1 })).status).toBe(400);
    expect((await call('GET', `${sandbox.controlUrl}/nope`)).status).toBe(404);
    expect((await call('DELETE', `${sandbox.controlUrl}/faults`)).status).toBe(405);
  });
});

describe('DotDigital-shaped answers', () => {
  it('401 with DotDigital’s message, 403 on the wrong region, 404/405 elsewhere', async () => {
    expect(await call('GET', `${sandbox.baseUrl('r2')}/v2/address-books`)).toMatchObject({
      status: 401,
      body: { message: 'Authorization has been denied for this request.' },
    });
    expect(await call('GET', `${sandbox.baseUrl('r1')}/v2/address-books`, undefined, DEMO)).toMatchObject({
      status: 403,
      body: { message: 'Access is denied' },
    });
    expect((await call('GET', `${sandbox.baseUrl('r2')}/v2/unknown`, undefined, DEMO)).status).toBe(404);
    expect(
      (await call('DELETE', `${sandbox.baseUrl('r2')}/contacts/v3/email/a@example.com`, undefined, DEMO))
        .status,
    ).toBe(405);
  });

  it('v3 errors for a bad import body and unknown jobs; v2 paging limits', async () => {
    const base = sandbox.baseUrl('r2');
    expect(await call('PUT', `${base}/contacts/v3/import`, [], DEMO)).toMatchObject({
      status: 400,
      body: { errorCode: 'contacts:badJson' },
    });
    expect(await call('PUT', `${base}/contacts/v3/import`, { contacts: [] }, DEMO)).toMatchObject({
      status: 400,
      body: { errorCode: 'contacts:noContactsSpecified' },
    });
    expect(await call('GET', `${base}/contacts/v3/import/nope`, undefined, DEMO)).toMatchObject({
      status: 404,
      body: { errorCode: 'contacts:importNotFound' },
    });
    expect(await call('GET', `${base}/contacts/v3/email/nobody@example.com`, undefined, DEMO)).toMatchObject({
      status: 404,
      body: { errorCode: 'contacts:contactNotFound' },
    });
    expect(await call('GET', `${base}/v2/address-books?select=1001`, undefined, DEMO)).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/ERROR_PARAMETER_INVALID$/) as unknown },
    });
    expect(await call('POST', `${base}/v2/address-books/1/contacts/delete`, [], DEMO)).toMatchObject({
      status: 404,
      body: { message: 'Error: ERROR_ADDRESSBOOK_NOT_FOUND' },
    });
  });

  it('accepts PascalCase v2 bodies', async () => {
    const created = await call(
      'POST',
      `${sandbox.baseUrl('r2')}/v2/address-books`,
      { Name: 'Pascal', Visibility: 'Public' },
      DEMO,
    );
    expect(created).toMatchObject({
      status: 201,
      body: { name: 'Pascal', visibility: 'Public', contacts: 0 },
    });
  });
});

describe('the CLI entry', () => {
  it('serves on the given port, prints the URLs, and stops when told', async () => {
    const lines: string[] = [];
    let stop = (): void => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const running = runSandboxCli(['--port', '0', '--import-delay-ms', '5'], {
      out: (l) => lines.push(l),
      stopped,
    });
    await expect.poll(() => lines.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(4);
    const r1 = /^sandbox: r1 (\S+)$/.exec(lines[0] ?? '')?.[1];
    expect(r1).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/r1$/);
    expect((await call('GET', `${r1 ?? ''}/v2/account-info`, undefined, DEMO)).status).toBe(200);
    stop();
    await running;
    expect(lines.at(-1)).toBe('sandbox: stopping');
    await expect(call('GET', `${r1 ?? ''}/v2/account-info`, undefined, DEMO)).rejects.toThrow();
  });
});
