import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { CONFIG_KEYS } from '../../src/config-spec.js';
import { ConfigError } from '../../src/errors.js';

const base = {
  KAFKA_BROKERS: 'a:9092, b:9092',
  SCHEMA_REGISTRY_URL: 'http://reg:8081/apis/ccompat/v7/',
  REDIS_URL: 'redis://r:6379',
  CONNECTORS_FILE: '/etc/dds/connectors.yaml',
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies defaults, types values and freezes the result', () => {
    const c = loadConfig(base);
    expect(c.kafka.brokers).toEqual(['a:9092', 'b:9092']);
    expect(c.registry.url).toBe('http://reg:8081/apis/ccompat/v7');
    expect(c.windowing).toEqual({ windowMs: 1_200_000, maxBatchSize: 1000, maxBufferedEntries: 500_000, resumeBufferedEntries: 400_000 });
    expect(c.limits.perMinute.add).toBe(75);
    expect(c.limits.perMinute.remove).toBe(35);
    expect(c.dotdigital.requestTimeoutMs).toBe(121_000);
    expect(c.kafka.sasl).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.kafka.brokers)).toBe(true);
    expect(() => {
      (c.windowing as { windowMs: number }).windowMs = 1;
    }).toThrow();
  });

  it('lists every problem, required keys included', () => {
    const problems = problemsOf({ WINDOW_MS: 'soon', MAX_BATCH_SIZE: '0', KAFKA_SSL: 'maybe', LOG_LEVEL: 'loud', RESUME_BUFFERED_ENTRIES: '9', MAX_BUFFERED_ENTRIES: '5' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('KAFKA_BROKERS is required'),
        expect.stringContaining('SCHEMA_REGISTRY_URL is required'),
        expect.stringContaining('REDIS_URL is required'),
        expect.stringContaining('CONNECTORS_FILE is required'),
        expect.stringContaining('WINDOW_MS must be an integer'),
        expect.stringContaining('MAX_BATCH_SIZE must be >= 1'),
        expect.stringContaining('KAFKA_SSL must be true or false'),
        expect.stringContaining('LOG_LEVEL must be one of'),
        expect.stringContaining('RESUME_BUFFERED_ENTRIES must be below MAX_BUFFERED_ENTRIES'),
      ]),
    );
  });

  it('reads secrets from NAME_FILE and never echoes them in problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dds-config-'));
    writeFileSync(join(dir, 'pw'), 'hunter2\n');
    const c = loadConfig({ ...base, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD_FILE: join(dir, 'pw') });
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'svc', password: 'hunter2' });
    const problems = problemsOf({ ...base, ADMIN_TOKEN: 'tok-123', ADMIN_TOKEN_FILE: join(dir, 'pw'), REDIS_URL: 'not a url with secret-pw' });
    expect(problems.join('\n')).toMatch(/ADMIN_TOKEN and ADMIN_TOKEN_FILE are both set/);
    expect(problems.join('\n')).not.toMatch(/tok-123|hunter2|secret-pw/);
  });

  it('requires SASL credentials with a mechanism', () => {
    expect(problemsOf({ ...base, KAFKA_SASL_MECHANISM: 'plain' })).toEqual([
      'KAFKA_SASL_MECHANISM is set: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required',
    ]);
  });

  it('has unique, documented keys whose units match their names', () => {
    const names = CONFIG_KEYS.map((k) => k.env);
    expect(new Set(names).size).toBe(names.length);
    for (const k of CONFIG_KEYS) {
      expect(k.description.length).toBeGreaterThan(5);
      if (k.env.endsWith('_MS')) expect(k.unit).toBe('ms');
      if (k.default !== undefined) expect(k.optional).not.toBe(true);
    }
  });
});
