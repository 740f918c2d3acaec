/**
 * The CLI's contract on bad input, as a child process: bad arguments print the usage and exit
 * 2; missing or invalid configuration lists every problem and exits 3. No outside system is
 * reached (the checks come first).
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('bad arguments: usage on stderr, exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /^Usage: dotdigital-sync <command>/m],
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['an unknown option', ['dlq', 'redrive', '--bogus'], /Unknown option '--bogus'/],
    ['a missing subcommand', ['dlq'], /expected: dlq redrive/],
    ['an unknown error code', ['dlq', 'redrive', '--code', 'NOT_A_CODE'], /unknown error code NOT_A_CODE/],
    ['a bad date', ['dlq', 'redrive', '--since', 'last tuesday'], /--since: "last tuesday" is not an ISO-8601/],
    ['a share above 1', ['backfill-estimate', '--add-share', '1.5'], /--add-share must be a number from 0 to 1/],
    ['a batch size of 0', ['backfill-estimate', '--batch-size', '0'], /--batch-size must be an integer from 1/],
    ['no replay target', ['replay', '--group', 'g'], /exactly one of --to-earliest/],
    ['an unknown address-books action', ['address-books', 'delete', '--connector', 'x'], /expected: address-books list\|create/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await runCli(args, {});
      expect(r.code).toBe(2);
      const text = args.length === 0 ? r.stdout : r.stderr;
      expect(text).toMatch(message);
      if (args.length > 0) expect(r.stderr).toMatch(/dotdigital-sync \S+/);
    });
  }

  it('--help prints a command\'s usage with its exit codes and exits 0', async () => {
    for (const command of ['dlq', 'backfill-estimate', 'replay']) {
      const r = await runCli([command, '--help'], {});
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Exit codes: 0 /);
    }
  });
});

describe('bad configuration: every problem listed, exit 3', () => {
  it('dlq redrive without Kafka or registry', async () => {
    const r = await runCli(['dlq', 'redrive', '--dry-run'], {});
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('KAFKA_BROKERS is required');
    expect(r.stderr).toContain('SCHEMA_REGISTRY_URL is required');
  });

  it('backfill-estimate with invalid limits and no Kafka; the registry only when sampling', async () => {
    const r = await runCli(['backfill-estimate'], { LIMIT_ADD_PER_MINUTE: 'lots', MAX_BATCH_SIZE: '20000' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('LIMIT_ADD_PER_MINUTE must be an integer (requests/min), got "lots"');
    expect(r.stderr).toContain('MAX_BATCH_SIZE must be <= 10000');
    expect(r.stderr).toContain('KAFKA_BROKERS is required');
    expect(r.stderr).toContain('SCHEMA_REGISTRY_URL is required');
    const noSample = await runCli(['backfill-estimate', '--sample', '0'], {});
    expect(noSample.code).toBe(3);
    expect(noSample.stderr).not.toContain('SCHEMA_REGISTRY_URL');
  });

  it('replay and connectors without their settings', async () => {
    const replay = await runCli(['replay', '--to-earliest', '--dry-run'], { KAFKA_SESSION_TIMEOUT_MS: '10' });
    expect(replay.code).toBe(3);
    expect(replay.stderr).toContain('KAFKA_BROKERS is required');
    expect(replay.stderr).toContain('KAFKA_SESSION_TIMEOUT_MS must be >= 6000');
    const connectors = await runCli(['connectors', 'validate'], {});
    expect(connectors.code).toBe(3);
    expect(connectors.stderr).toContain('CONNECTORS_FILE is required');
  });

  it('a secret is never echoed in a config problem', async () => {
    const r = await runCli(['dlq', 'redrive', '--dry-run'], { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'sasl-secret-7', SCHEMA_REGISTRY_URL: 'not a url' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required');
    expect(r.stderr).toContain('SCHEMA_REGISTRY_URL must be a URL');
    expect(r.stderr).not.toContain('sasl-secret-7');
  });
});
