import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { optionsFrom } from '../../../src/sandbox/main.js';

const dir = mkdtempSync(join(tmpdir(), 'dds-sandbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sandbox CLI options', () => {
  it('defaults to 127.0.0.1:8090 and the demo seed', async () => {
    expect(await optionsFrom([])).toEqual({ port: 8090, host: '127.0.0.1' });
  });

  it('reads port, host, import delay and a seed file (array or {accounts})', async () => {
    const seed = [{ id: 5, region: 'r3', apiUsers: [{ username: 'a', password: 'b' }] }];
    writeFileSync(join(dir, 'a.json'), JSON.stringify(seed));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ accounts: seed }));
    const a = await optionsFrom([
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--import-delay-ms',
      '250',
      '--seed',
      join(dir, 'a.json'),
    ]);
    expect(a).toEqual({ port: 0, host: '0.0.0.0', importDelayMs: 250, accounts: seed });
    expect((await optionsFrom(['--seed', join(dir, 'b.json')])).accounts).toEqual(seed);
  });

  it('refuses bad arguments and bad seeds', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ id: 'x', region: 'r9', apiUsers: [] }]));
    writeFileSync(join(dir, 'notjson.json'), '{');
    await expect(optionsFrom(['--port', '70000'])).rejects.toThrow(/--port/);
    await expect(optionsFrom(['--bogus'])).rejects.toThrow(/Usage/);
    await expect(optionsFrom(['--seed', join(dir, 'bad.json')])).rejects.toThrow(/id must.*region must/);
    await expect(optionsFrom(['--seed', join(dir, 'notjson.json')])).rejects.toThrow(/--seed/);
    await expect(optionsFrom(['--seed', join(dir, 'missing.json')])).rejects.toThrow(/--seed/);
  });
});
