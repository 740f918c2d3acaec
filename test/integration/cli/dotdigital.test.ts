/**
 * `connectors validate` and `address-books list|create` as child processes against the
 * in-process DotDigital sandbox over real HTTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { runCli } from './run-cli.js';

const GOOD = 'demo-password-1';
const WRONG = 'not-the-password-42';
let sandbox: Sandbox;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  sandbox = await startSandbox();
  dir = mkdtempSync(join(tmpdir(), 'dds-cli-'));
  const file = join(dir, 'connectors.yaml');
  writeFileSync(
    file,
    [
      'connectors:',
      '  - id: demo',
      '    name: Demo',
      '    username: apiuser-demo@apiconnector.com',
      '    passwordEnv: DEMO_PW',
      '  - id: broken',
      '    username: apiuser-demo2@apiconnector.com',
      '    passwordEnv: BROKEN_PW',
      '',
    ].join('\n'),
  );
  env = { CONNECTORS_FILE: file, DEMO_PW: GOOD, BROKEN_PW: WRONG, DOTDIGITAL_R1_BASE_URL: sandbox.r1BaseUrl, DOTDIGITAL_ALLOW_ANY_HOST: 'true' };
});

afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

const noSecrets = (r: { stdout: string; stderr: string }) => {
  for (const secret of [GOOD, WRONG]) expect(r.stdout + r.stderr).not.toContain(secret);
};

describe('connectors validate', () => {
  it('a valid connector: region and account id, exit 0', async () => {
    const r = await runCli(['connectors', 'validate', '--connector', 'demo'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok\s+demo\s+region=r2 account=410001 endpoint=http:\/\/127\.0\.0\.1:\d+\/r2/m);
    noSecrets(r);
  });

  it('every connector, one invalid: exit 1 naming it and why', async () => {
    const r = await runCli(['connectors', 'validate'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ok\s+demo/m);
    expect(r.stdout).toMatch(/^invalid\s+broken\s+DD_INVALID_CREDENTIALS/m);
    noSecrets(r);
  });

  it('an unknown connector is a usage error (exit 2)', async () => {
    const r = await runCli(['connectors', 'validate', '--connector', 'nobody'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no connector "nobody"');
  });
});

describe('address-books', () => {
  it('lists the account\'s books', async () => {
    const r = await runCli(['address-books', 'list', '--connector', 'demo'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Public\s+VIP customers/);
    expect(r.stdout).toContain('Newsletter');
    expect(r.stdout).toMatch(/^5 address book\(s\)$/m);
  });

  it('creates a book, and refuses a duplicate name (exit 1)', async () => {
    const r = await runCli(['address-books', 'create', '--connector', 'demo', '--name', 'Backfill November', '--visibility', 'Public'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^created \d+ Backfill November \(Public\)$/m);
    const book = sandbox.inspect().accounts.find((a) => a.id === 410001)?.books.find((b) => b.name === 'Backfill November');
    expect(book?.visibility).toBe('Public');
    const again = await runCli(['address-books', 'create', '--connector', 'demo', '--name', 'Backfill November'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('DD_ADDRESS_BOOK_DUPLICATE');
    noSecrets(again);
  });

  it('with credentials DotDigital rejects: exit 1, no password shown', async () => {
    const r = await runCli(['address-books', 'list', '--connector', 'broken'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DD_INVALID_CREDENTIALS');
    noSecrets(r);
  });
});
