/**
 * `dotdigital-sync dlq redrive` as a child process against the local Kafka and registry. Dead
 * letters are written by the service's own dead-letter producer; the redriven records are read
 * back from the input topic and decoded.
 */
import { readFileSync } from 'node:fs';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrySchemaSource } from '../../../src/consumer/schema-source.js';
import { KafkaDeadLetterSink } from '../../../src/consumer/dead-letter.js';
import { silentLogger } from '../../../src/logger.js';
import type { DeadLetterRecord, MembershipChange } from '../../../src/windowing/event.js';
import { committedTotal, createTopic, deleteTopics, testKafka } from '../helpers/kafka.js';
import { event, readAll, testRegistry } from '../helpers/events.js';
import { stackEnv, uniqueName } from '../helpers/stack-env.js';
import { kafkaEnv, runCli } from './run-cli.js';

const kafka = testKafka('cli-dlq');
const input = uniqueName('cli-dlq-in');
const dlq = uniqueName('cli-dlq');
const group = uniqueName('cli-redrive');
const env = kafkaEnv({ KAFKA_TOPICS: input, KAFKA_DEAD_LETTER_TOPIC: dlq });
const registry = testRegistry();
const sink = new KafkaDeadLetterSink(kafka, dlq, createRegistrySchemaSource({ url: stackEnv().schemaRegistryUrl }), silentLogger());
const DAY = 86_400_000;
const T = Date.UTC(2026, 10, 20);

const rejected = event('demo', 11, 'ADD', { email: 'rejected@example.com' });
const unknownConnector = event('acme', 12, 'REMOVE', { email: 'gone@example.com', contactId: 42 });
const badCredentials = event('other', 13, 'ADD', { email: 'later@example.com' });
let unknownBytes: Buffer;

function letter(partial: Partial<DeadLetterRecord> & Pick<DeadLetterRecord, 'errorCode' | 'failedAt'>): DeadLetterRecord {
  return { topic: input, partition: 0, offset: 7, key: null, value: null, event: null, errorMessage: 'test', attempts: 1, connectorId: null, ...partial };
}

async function inputRecords(count: number) {
  const records = await readAll(kafka, input, count, count === 0 ? 3000 : 30_000);
  return Promise.all(records.map(async (r) => ({ ...r, decoded: (await registry.decode(r.value!)) as MembershipChange })));
}

beforeAll(async () => {
  await createTopic(kafka, input, 2);
  await createTopic(kafka, dlq, 2);
  const schema = readFileSync(new URL('../../../schemas/membership-change.avsc', import.meta.url), 'utf8');
  const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject: `${input}-value` });
  unknownBytes = await registry.encode(id, unknownConnector);
  await sink.publish([
    // Rejected before windowing: the original bytes are in the letter.
    letter({ errorCode: 'CONNECTOR_UNKNOWN', failedAt: T, key: Buffer.from('acme'), value: unknownBytes, event: unknownConnector, connectorId: 'acme', offset: 3 }),
    // Rejected by DotDigital: only the decoded event.
    letter({ errorCode: 'DD_CONTACT_REJECTED', failedAt: T + DAY, key: Buffer.from('demo'), event: rejected, connectorId: 'demo' }),
    letter({ errorCode: 'DD_INVALID_CREDENTIALS', failedAt: T - DAY, key: Buffer.from('other'), event: badCredentials, connectorId: 'other' }),
    // Fails again on the same bytes: skipped unless named.
    letter({ errorCode: 'DECODE_UNKNOWN_MAGIC_BYTE', failedAt: T, key: Buffer.from('demo'), value: Buffer.from('not avro'), connectorId: 'demo' }),
  ]);
});

afterAll(async () => {
  await sink.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([group]).catch(() => undefined);
  await admin.disconnect();
  await deleteTopics(kafka, [input, dlq]);
});

describe('dlq redrive', () => {
  it('--dry-run counts per code and connector and publishes nothing', async () => {
    const r = await runCli(['dlq', 'redrive', '--dry-run', '--group', group], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/CONNECTOR_UNKNOWN\s+acme\s+1/);
    expect(r.stdout).toMatch(/DD_CONTACT_REJECTED\s+demo\s+1/);
    expect(r.stdout).toMatch(/DD_INVALID_CREDENTIALS\s+other\s+1/);
    expect(r.stdout).toContain('would re-publish 3 of 4 letter(s) read');
    expect(r.stdout).toContain('DECODE_UNKNOWN_MAGIC_BYTE ×1');
    const filtered = await runCli(['dlq', 'redrive', '--dry-run', '--code', 'DD_CONTACT_REJECTED,DD_INVALID_CREDENTIALS', '--since', '2026-11-20'], env);
    expect(filtered.code, filtered.stderr).toBe(0);
    expect(filtered.stdout).toContain('would re-publish 1 of 4');
    expect(filtered.stdout).toContain('skipped 3: outside the filters');
    expect(await inputRecords(0)).toHaveLength(0);
    expect(await committedTotal(kafka, group, dlq)).toBe(0);
  });

  it('refuses to re-publish off a terminal without --yes (exit 4)', async () => {
    const r = await runCli(['dlq', 'redrive', '--group', group], env);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('pass --yes');
  });

  it('a filtered run re-publishes only its letters and does not move the position', async () => {
    const r = await runCli(['dlq', 'redrive', '--connector', 'demo', '--group', group, '--yes'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('re-published 1 of 4');
    expect(r.stdout).toContain('was not moved');
    const records = await inputRecords(1);
    expect(records.map((x) => x.decoded)).toEqual([rejected]);
    expect(records[0]!.key?.toString()).toBe('demo');
    expect(await committedTotal(kafka, group, dlq)).toBe(0);
  });

  it('an unfiltered run re-publishes original bytes or re-encoded events, then takes only new letters', async () => {
    const r = await runCli(['dlq', 'redrive', '--group', group, '--yes'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('re-published 3 of 4');
    const records = await inputRecords(4);
    expect(records).toHaveLength(4);
    const raw = records.find((x) => x.decoded.connectorId === 'acme')!;
    expect(raw.value!.equals(unknownBytes)).toBe(true);
    expect(raw.key?.toString()).toBe('acme');
    expect(raw.headers['x-redrive-code']).toBe('CONNECTOR_UNKNOWN');
    expect(raw.headers['x-redrive-source']).toBe(`${input}/0/3`);
    expect(raw.headers['x-redrive-letter']).toMatch(new RegExp(`^${dlq}/[01]/0$`));
    expect(records.map((x) => x.decoded).filter((e) => e.connectorId !== 'acme')).toEqual(expect.arrayContaining([rejected, badCredentials]));
    expect(await committedTotal(kafka, group, dlq)).toBe(4);

    const again = await runCli(['dlq', 'redrive', '--group', group, '--yes'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to redrive');

    const late = event('demo', 14, 'ADD', { email: 'late@example.com' });
    await sink.publish([letter({ errorCode: 'DD_SERVER_ERROR', failedAt: Date.now(), key: Buffer.from('demo'), event: late, connectorId: 'demo' })]);
    const third = await runCli(['dlq', 'redrive', '--group', group, '--yes'], env);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('re-published 1 of 1');
    const all = await inputRecords(5);
    expect(all.map((x) => x.decoded.eventId)).toContain(late.eventId);

    const everything = await runCli(['dlq', 'redrive', '--group', group, '--from-beginning', '--dry-run'], env);
    expect(everything.stdout).toContain('would re-publish 4 of 5');
  });
});
