import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { parseConnectors } from '../../../src/connectors/file.js';
import { ConfigError } from '../../../src/errors.js';

const env = { PW_A: 's3cret-A', PW_B: 's3cret-B' };

describe('parseConnectors', () => {
  it('reads connectors with passwords from env and files', () => {
    const text = `
connectors:
  - id: acme-eu
    name: ACME Europe
    username: apiuser-1@apiconnector.com
    passwordEnv: PW_A
    region: r2
    limits: { addPerMinute: 50 }
  - id: beta
    username: apiuser-2@apiconnector.com
    passwordFile: /secrets/beta
`;
    const list = parseConnectors(text, env, (p) => (p === '/secrets/beta' ? 'file-secret\n' : ''));
    expect(list.map((c) => c.connectorId)).toEqual(['acme-eu', 'beta']);
    expect(list[0]!.password).toBe('s3cret-A');
    expect(list[0]!.region).toBe('r2');
    expect(list[0]!.limits).toEqual({ addPerMinute: 50 });
    expect(list[1]!.password).toBe('file-secret');
    expect(list[1]!.name).toBe('beta');
  });

  it('never shows the password when serialised or inspected', () => {
    const [c] = parseConnectors('connectors: [{id: a, username: u, passwordEnv: PW_A}]', env);
    expect(JSON.stringify(c)).not.toContain('s3cret');
    expect(inspect(c, { depth: 5, showHidden: true })).not.toContain('s3cret');
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- spreading is exactly what a careless logger does
    expect(JSON.stringify({ ...c })).not.toContain('s3cret');
  });

  it('lists every problem at once', () => {
    const text = `
connectors:
  - id: "bad id!"
    username: u
    passwordEnv: PW_A
  - id: dup
    username: u
    passwordEnv: MISSING
  - id: dup
    username: u
    passwordEnv: PW_A
    passwordFile: /x
  - id: z
    region: r9
    colour: blue
    passwordEnv: PW_B
    limits: { addPerMinute: 0, other: 1 }
  - just a string
`;
    let caught: unknown;
    try {
      parseConnectors(text, env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('id must match'),
        expect.stringContaining('MISSING is not set'),
        expect.stringContaining('id is not unique'),
        expect.stringContaining('exactly one of passwordEnv or passwordFile'),
        expect.stringContaining('region must be r1, r2 or r3'),
        expect.stringContaining('unknown key "colour"'),
        expect.stringContaining('username is required'),
        expect.stringContaining('limits.addPerMinute must be a positive integer'),
        expect.stringContaining('unknown key "limits.other"'),
        expect.stringContaining('connectors[4] must be a mapping'),
      ]),
    );
    expect((caught as ConfigError).code).toBe('CONFIG_INVALID');
  });

  it('rejects a file without a connectors list, and invalid YAML', () => {
    expect(() => parseConnectors('other: 1', env)).toThrow(/"connectors" must be a list/);
    expect(() => parseConnectors('connectors: [', env)).toThrow(/not valid YAML/);
  });
});
