/**
 * Producers on an older and a newer version of the membership-change schema (their own registry
 * ids) are read through Avro resolution by the running service.
 */
import { readFileSync } from 'node:fs';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { startService, type RunningService } from '../../../src/service.js';
import { committedTotal, createTopic, deleteTopics, testKafka } from '../helpers/kafka.js';
import { event, readAll, testRegistry, waitFor } from '../helpers/events.js';
import { bookId, cleanupRedis, members, serviceFixture } from '../helpers/service.js';
import { uniqueName } from '../helpers/stack-env.js';

interface Field { name: string; type: unknown; default?: unknown }
interface RecordSchema { name: string; fields: Field[] }

const kafka = testKafka('evolution');
const topic = uniqueName('evo-in');
const dlq = uniqueName('evo-dlq');
let sandbox: Sandbox;
let service: RunningService | undefined;
let prefix = '';

beforeAll(async () => {
  sandbox = await startSandbox({ importDelayMs: 50 });
  await createTopic(kafka, topic, 1);
  await createTopic(kafka, dlq, 1);
});

afterAll(async () => {
  await service?.stop(false);
  await sandbox.close();
  await deleteTopics(kafka, [topic, dlq]);
  if (prefix !== '') await cleanupRedis([prefix]);
});

describe('schema evolution', () => {
  it('decodes events written with an older and a newer schema', async () => {
    const current = JSON.parse(readFileSync(new URL('../../../schemas/membership-change.avsc', import.meta.url), 'utf8')) as RecordSchema;
    const older = structuredClone(current);
    const profile = older.fields.find((f) => f.name === 'profile')!.type as RecordSchema;
    profile.fields = profile.fields.filter((f) => f.name !== 'mobileNumber');
    const newer = structuredClone(current);
    newer.fields.push({ name: 'tenant', type: 'string', default: 'acme' });
    const registry = testRegistry();
    const olderId = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(older) }, { subject: uniqueName('evo-old') })).id;
    const newerId = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(newer) }, { subject: uniqueName('evo-new') })).id;
    expect(olderId).not.toBe(newerId);

    const fx = serviceFixture(sandbox, topic, dlq);
    prefix = fx.env.REDIS_KEY_PREFIX!;
    service = await startService(loadConfig(fx.env), silentLogger(), fx.env);
    const book = bookId(sandbox, 'VIP customers');
    const oldEvent = event('demo', book, 'ADD', { email: 'old@example.com' });
    const { mobileNumber: _m, ...oldProfile } = oldEvent.profile;
    const newEvent = { ...event('demo', book, 'ADD', { email: 'new@example.com' }), tenant: 'globex' };
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'demo', value: await registry.encode(olderId, { ...oldEvent, profile: oldProfile }) },
        { key: 'demo', value: await registry.encode(newerId, newEvent) },
      ],
    });
    await producer.disconnect();
    await waitFor('both committed', async () => (await committedTotal(kafka, fx.env.KAFKA_GROUP_ID!, topic)) === 2);
    const letters = await readAll(kafka, dlq, 2, 3000);
    const decoded = await Promise.all(letters.map(async (l) => (await registry.decode(l.value!)) as { errorCode: string; errorMessage: string }));
    expect(decoded).toEqual([]);
    expect(members(sandbox, book)).toEqual(expect.arrayContaining(['new@example.com', 'old@example.com']));
  });
});
