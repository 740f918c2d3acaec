import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../../src/connectors/registry.js';
import { ConfigError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';

const yaml = (entries: string[]) => `connectors:\n${entries.join('')}`;
const entry = (id: string, env = 'PW_A', user = 'u') => `  - id: ${id}\n    username: ${user}\n    passwordEnv: ${env}\n`;

function fixture(text: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'dds-reg-')), 'connectors.yaml');
  writeFileSync(file, text);
  return file;
}

describe('ConnectorRegistry', () => {
  const env = { PW_A: 'a', PW_B: 'b' };

  it('refuses to start on an invalid file', () => {
    expect(() => new ConnectorRegistry(fixture('connectors: [{id: x}]'), silentLogger(), env)).toThrow(ConfigError);
  });

  it('reports added, removed and changed connectors on reload, and tells listeners', () => {
    const file = fixture(yaml([entry('one'), entry('two')]));
    const reg = new ConnectorRegistry(file, silentLogger(), env);
    const seen: unknown[] = [];
    reg.onChange((c) => seen.push(c));
    writeFileSync(file, yaml([entry('one', 'PW_B'), entry('three')]));
    expect(reg.reload()).toEqual({ added: ['three'], removed: ['two'], changed: ['one'] });
    expect(seen).toHaveLength(1);
    expect(reg.get('one')?.password).toBe('b');
    expect(reg.get('two')).toBeUndefined();
    // Nothing changed: no listener call.
    expect(reg.reload()).toEqual({ added: [], removed: [], changed: [] });
    expect(seen).toHaveLength(1);
  });

  it('keeps the previous connectors when the new file is invalid', () => {
    const file = fixture(yaml([entry('one')]));
    const reg = new ConnectorRegistry(file, silentLogger(), env);
    writeFileSync(file, yaml([entry('one', 'MISSING')]));
    expect(reg.reload()).toBeUndefined();
    expect(reg.get('one')?.password).toBe('a');
  });
});

describe('ConnectorRegistry.watch', () => {
  it('picks up a rotated password file by its periodic re-read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dds-reg-'));
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'old');
    const file = fixture(`connectors:\n  - id: one\n    username: u\n    passwordFile: ${secret}\n`);
    const reg = new ConnectorRegistry(file, silentLogger(), {});
    reg.watch(20);
    try {
      writeFileSync(secret, 'new');
      const deadline = Date.now() + 2000;
      while (reg.get('one')?.password !== 'new' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(reg.get('one')?.password).toBe('new');
    } finally {
      reg.close();
    }
  });
});
