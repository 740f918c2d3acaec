/**
 * The admin API of src/http/server.ts over real HTTP, on port 0, with a real backend: the
 * DotDigital client against the in-process sandbox. Checks authorisation, the happy paths, the
 * status of every kind of bad request, and that no password reaches a response or a log line.
 */
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectors } from '../../../src/connectors/file.js';
import { SyncError } from '../../../src/errors.js';
import { HttpServer, type AdminBackend } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logger.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { DotdigitalClient } from '../../../src/sink/index.js';

const TOKEN = 'admin-token-3f9c2e7a';
const GOOD = 'demo-password-1';
const WRONG = 'wrong-password-77c1';
const logLines: string[] = [];
const bodies: string[] = [];
const logger = createLogger({
  level: 'trace',
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
});
let sandbox: Sandbox;
let client: DotdigitalClient;
let server: HttpServer;
let base: string;

function backend(): AdminBackend {
  const connectors = parseConnectors('connectors:\n  - id: demo\n    username: apiuser-demo@apiconnector.com\n    passwordEnv: DEMO_PW\n', { DEMO_PW: GOOD });
  const connector = (id: string) => {
    const c = connectors.find((x) => x.connectorId === id);
    if (c === undefined) throw new SyncError('CONNECTOR_UNKNOWN', `no connector ${id}`);
    return c;
  };
  return {
    listAddressBooks: (id) => client.listAddressBooks(connector(id)),
    createAddressBook: (id, name, visibility) => client.createAddressBook(connector(id), { name, visibility }),
    validateCredentials: async (username, password) => {
      const info = await client.checkCredentials({ connectorId: 'adhoc', username, password });
      client.invalidate('adhoc');
      return info;
    },
  };
}

function serverWith(adminToken: string | undefined): HttpServer {
  const health = { live: () => true, ready: () => ({ ready: true, reasons: [] }) };
  return new HttpServer({ host: '127.0.0.1', port: 0, registry: new Registry(), health, status: () => ({ ok: true }), admin: backend(), adminToken, logger });
}

async function call(path: string, init: { method?: string; token?: string | null; body?: unknown; contentType?: string } = {}, at = base) {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const res = await fetch(`${at}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

beforeAll(async () => {
  sandbox = await startSandbox();
  client = new DotdigitalClient({ logger: logger.child({ component: 'dotdigital' }), r1BaseUrl: sandbox.r1BaseUrl, allowAnyHost: true });
  server = serverWith(TOKEN);
  base = `http://127.0.0.1:${await server.listen()}`;
});

afterAll(async () => {
  await server.close();
  await client.close();
  await sandbox.close();
});

describe('authorisation', () => {
  it('needs the bearer token: 401 without it or with a wrong one', async () => {
    for (const token of [null, 'nope', `${TOKEN}x`]) {
      const r = await call('/admin/connectors/demo/address-books', { token });
      expect(r.status).toBe(401);
      expect(r.json.error?.code).toBe('UNAUTHORIZED');
    }
    expect((await call('/status', { token: null })).status).toBe(401);
    expect((await call('/status')).status).toBe(200);
  });

  it('is off (404) when no token is configured', async () => {
    const off = serverWith(undefined);
    const at = `http://127.0.0.1:${await off.listen()}`;
    try {
      const r = await call('/admin/connectors/demo/address-books', { token: 'anything' }, at);
      expect(r.status).toBe(404);
      expect(r.json.error?.code).toBe('ADMIN_DISABLED');
      expect((await call('/status', {}, at)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('address books', () => {
  it('lists and creates books; a duplicate name is 409; an unknown connector 404', async () => {
    const list = await call('/admin/connectors/demo/address-books');
    expect(list.status).toBe(200);
    expect((list.json.addressBooks as { name: string }[]).map((b) => b.name)).toContain('Newsletter');
    const created = await call('/admin/connectors/demo/address-books', { body: { name: 'Admin API book', visibility: 'Public' } });
    expect(created.status).toBe(201);
    expect(created.json.addressBook).toMatchObject({ name: 'Admin API book', visibility: 'Public' });
    expect(sandbox.inspect().accounts.flatMap((a) => a.books).some((b) => b.name === 'Admin API book')).toBe(true);
    const duplicate = await call('/admin/connectors/demo/address-books', { body: { name: 'Admin API book' } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error?.code).toBe('DD_ADDRESS_BOOK_DUPLICATE');
    expect((await call('/admin/connectors/nobody/address-books')).status).toBe(404);
  });

  it('400 naming what is wrong in the body', async () => {
    const noName = await call('/admin/connectors/demo/address-books', { body: { visibility: 'Private' } });
    expect([noName.status, noName.json.error?.code]).toEqual([400, 'BAD_REQUEST']);
    expect(noName.json.error?.message).toMatch(/name/);
    const badVisibility = await call('/admin/connectors/demo/address-books', { body: { name: 'x', visibility: 'Secret' } });
    expect(badVisibility.status).toBe(400);
    expect(badVisibility.json.error?.message).toMatch(/visibility/);
    expect(badVisibility.json.error?.message).not.toMatch(/name/);
    const notJson = await call('/admin/connectors/demo/address-books', { body: '{name:' });
    expect([notJson.status, notJson.json.error?.code]).toEqual([400, 'BAD_JSON']);
    const array = await call('/admin/connectors/demo/address-books', { body: ['name'] });
    expect(array.status).toBe(400);
  });

  it('415 for a body that is not JSON', async () => {
    const r = await call('/admin/connectors/demo/address-books', { body: 'name=x', contentType: 'application/x-www-form-urlencoded' });
    expect([r.status, r.json.error?.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });
});

describe('credentials', () => {
  it('valid credentials: region and account id', async () => {
    const r = await call('/admin/credentials/validate', { body: { username: 'apiuser-demo@apiconnector.com', password: GOOD } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ valid: true, region: 'r2', accountId: '410001' });
  });

  it('invalid credentials: 422; missing fields: 400 naming each', async () => {
    const bad = await call('/admin/credentials/validate', { body: { username: 'apiuser-demo@apiconnector.com', password: WRONG } });
    expect([bad.status, bad.json.error?.code]).toEqual([422, 'DD_INVALID_CREDENTIALS']);
    const missing = await call('/admin/credentials/validate', { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.json.error?.message).toMatch(/username/);
    expect(missing.json.error?.message).toMatch(/password/);
    const noPassword = await call('/admin/credentials/validate', { body: { username: 'u@apiconnector.com', password: '' } });
    expect(noPassword.status).toBe(400);
    expect(noPassword.json.error?.message).toMatch(/password/);
    expect(noPassword.json.error?.message).not.toMatch(/username/);
  });

  it('no password in any response or log line', () => {
    expect(bodies.length).toBeGreaterThan(10);
    expect(logLines.length).toBeGreaterThan(0);
    for (const text of [...bodies, ...logLines]) {
      expect(text).not.toContain(GOOD);
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain(TOKEN);
    }
  });
});
