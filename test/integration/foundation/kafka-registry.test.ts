/**
 * Foundation proof: the real broker and the real registry carry our events end to end in the
 * Confluent wire format. 1,000 membership changes are registered, encoded, produced (key =
 * connectorId) to a fresh 3-partition topic, read back by a consumer group, decoded through the
 * registry by schema id, and compared field by field with what was sent.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Partitioners } from 'kafkajs';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import type { MembershipChange } from '../../../src/windowing/event.js';
import { committedTotal, createTopic, deleteTopics, testKafka } from '../helpers/kafka.js';
import { stackEnv, uniqueName } from '../helpers/stack-env.js';

const schemaText = readFileSync(new URL('../../../schemas/membership-change.avsc', import.meta.url), 'utf8');
const EVENTS = 1000;
const PARTITIONS = 3;

// Every optional field is both null and set somewhere, both enums take every symbol, longs go past
// 32 bits, and strings carry non-ASCII text, so a lossy hop anywhere shows up as a mismatch.
function makeEvent(i: number): MembershipChange {
  const kind = i % 2 === 0 ? 'AUDIENCE' : 'JOURNEY';
  return {
    eventId: randomUUID(),
    occurredAt: 1_767_225_600_000 + i * 1_013,
    connectorId: `connector-${i % 7}`,
    source: {
      kind,
      id: `${kind.toLowerCase()}-${i % 11}`,
      stepId: kind === 'JOURNEY' && i % 4 === 1 ? `step-${i}` : null,
    },
    addressBookId: 2 ** 40 + (i % 13) * 7_919,
    action: i % 3 === 0 ? 'REMOVE' : 'ADD',
    profile: {
      profileId: `profile-é-${i}`,
      email: i % 5 === 0 ? null : `p${i}@example.com`,
      contactId: i % 5 === 0 || i % 7 === 0 ? 2 ** 33 + i : null,
      mobileNumber: i % 6 === 0 ? `+44770090${String(i).padStart(4, '0')}` : null,
    },
  };
}

interface Received {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | undefined;
  readonly schemaId: number;
  readonly event: unknown;
}

describe('Kafka + schema registry (real local stack)', () => {
  const env = stackEnv();
  let kafka: Kafka | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  const topics: string[] = [];
  const subjects: string[] = [];

  afterEach(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (kafka) await deleteTopics(kafka, topics.splice(0));
    for (const subject of subjects.splice(0)) {
      // Soft delete first: the registry (like Confluent) refuses a permanent delete before it.
      for (const query of ['', '?permanent=true']) {
        await fetch(`${env.schemaRegistryUrl}/subjects/${subject}${query}`, { method: 'DELETE' });
      }
    }
  });

  it('produces 1,000 wire-format events and consumes every field back through a consumer group', async () => {
    kafka = testKafka('foundation-kafka-registry');
    const topic = uniqueName('it-foundation');
    const groupId = uniqueName('it-foundation-group');
    const subject = `${topic}-value`;
    topics.push(topic);
    subjects.push(subject);

    const writerRegistry = new SchemaRegistry({ host: env.schemaRegistryUrl });
    const { id: schemaId } = await writerRegistry.register(
      { type: SchemaType.AVRO, schema: schemaText },
      { subject },
    );
    await createTopic(kafka, topic, PARTITIONS);

    const sent = Array.from({ length: EVENTS }, (_, i) => makeEvent(i));
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    for (let start = 0; start < EVENTS; start += 100) {
      const messages = await Promise.all(
        sent.slice(start, start + 100).map(async (event) => ({
          key: event.connectorId,
          value: await writerRegistry.encode(schemaId, event),
        })),
      );
      await producer.send({ topic, acks: -1, messages });
    }

    // A separate client with an empty cache: decoding must fetch the writer schema by the id in
    // each record (GET /schemas/ids/{id}), as the service will.
    const readerRegistry = new SchemaRegistry({ host: env.schemaRegistryUrl });
    const received: Received[] = [];
    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`consumed ${received.length}/${EVENTS} events within 90 s`));
      }, 90_000);
      consumer!
        .run({
          eachMessage: async ({ partition, message }) => {
            const value = message.value!;
            received.push({
              partition,
              offset: Number(message.offset),
              key: message.key?.toString('utf8'),
              schemaId: value.readUInt32BE(1),
              event: { magic: value[0], ...(await readerRegistry.decode(value)) },
            });
            if (received.length >= EVENTS) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    consumer = undefined;

    expect(received).toHaveLength(EVENTS);
    const byId = new Map(sent.map((event) => [event.eventId, event]));
    for (const record of received) {
      expect(record.schemaId).toBe(schemaId);
      const { magic, ...event } = record.event as MembershipChange & { magic: number };
      expect(magic).toBe(0);
      const original = byId.get(event.eventId);
      expect(original, `unexpected or duplicate event ${event.eventId}`).toBeDefined();
      byId.delete(event.eventId);
      expect(event).toEqual(original);
      expect(record.key).toBe(original!.connectorId);
    }
    expect(byId.size).toBe(0);

    // Key = connectorId: one connector's events share a partition and keep the order they were sent in.
    const partitionOf = new Map<string, number>();
    for (const record of received) {
      const key = record.key!;
      expect(partitionOf.get(key) ?? record.partition).toBe(record.partition);
      partitionOf.set(key, record.partition);
    }
    for (const key of partitionOf.keys()) {
      const order = (list: readonly { eventId: string }[]): string[] => list.map((e) => e.eventId);
      const got = received
        .filter((r) => r.key === key)
        .sort((a, b) => a.offset - b.offset)
        .map((r) => r.event as MembershipChange);
      expect(order(got)).toEqual(order(sent.filter((e) => e.connectorId === key)));
    }

    // The group committed past every record it read (kafkajs commits on disconnect at the latest).
    expect(await committedTotal(kafka, groupId, topic)).toBe(EVENTS);
  });
});
