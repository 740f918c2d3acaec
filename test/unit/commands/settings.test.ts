import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Settings } from '../../../src/commands/settings.js';
import { ConfigError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dds-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problemsOf = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('Settings', () => {
  it('reads ints by the rules of CONFIG_KEYS: default, bounds, integers only', () => {
    const s = new Settings({ LIMIT_REMOVE_PER_MINUTE: ' 50 ', MAX_BATCH_SIZE: '0', LIMIT_POLL_PER_MINUTE: '1.5' });
    expect(s.int('LIMIT_ADD_PER_MINUTE')).toBe(75);
    expect(s.int('LIMIT_REMOVE_PER_MINUTE')).toBe(50);
    s.int('MAX_BATCH_SIZE');
    s.int('LIMIT_POLL_PER_MINUTE');
    expect(s.problems).toEqual(['MAX_BATCH_SIZE must be >= 1, got 0', 'LIMIT_POLL_PER_MINUTE must be an integer (requests/min), got "1.5"']);
    expect(() => s.int('NOT_A_KEY')).toThrow(/is not a config key/);
  });

  it('reads the registry, its password from a file, and collects every problem with Kafka\'s', () => {
    const file = join(dir, 'pw');
    writeFileSync(file, 'file-secret\n');
    const ok = new Settings({ KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081/', SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD_FILE: file });
    const kafka = ok.kafka();
    expect(ok.registry()).toEqual({ url: 'http://r:8081', username: 'u', password: 'file-secret' });
    expect(ok.check(kafka).brokers).toEqual(['k:9092']);

    const bad = new Settings({ SCHEMA_REGISTRY_PASSWORD: 'inline-secret', SCHEMA_REGISTRY_PASSWORD_FILE: file, SCHEMA_REGISTRY_URL: 'nope' });
    const none = bad.kafka();
    bad.registry();
    const problems = problemsOf(() => bad.check(none));
    expect(problems).toEqual(['KAFKA_BROKERS is required: Comma-separated bootstrap brokers, host:port.', 'SCHEMA_REGISTRY_URL must be a URL', 'SCHEMA_REGISTRY_PASSWORD and SCHEMA_REGISTRY_PASSWORD_FILE are both set; set one']);
    expect(problems.join('\n')).not.toContain('inline-secret');
  });

  it('an unreadable password file is a problem, not a crash', () => {
    const s = new Settings({ SCHEMA_REGISTRY_URL: 'http://r', SCHEMA_REGISTRY_PASSWORD_FILE: join(dir, 'missing') });
    s.registry();
    expect(s.problems).toEqual([`SCHEMA_REGISTRY_PASSWORD_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`]);
  });
});
