/**
 * A uniquely named input topic filled with membership events in the Confluent wire format, for
 * one benchmark run; deleted at the end. Events are encoded with avsc directly under the id the
 * registry gave the schema (the same bytes the registry client writes, without its per-call
 * cost) and sent many per request, spread over the partitions round-robin.
 */
import { readFileSync } from 'node:fs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { Kafka, Message } from 'kafkajs';
import type { MembershipChange } from '../../src/windowing/index.js';
import { createTopic, deleteTopics } from '../../test/integration/helpers/kafka.js';
import { stackEnv } from '../../test/integration/helpers/stack-env.js';

const schemaText = readFileSync(new URL('../../schemas/membership-change.avsc', import.meta.url), 'utf8');
const type = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema);

const PER_SEND = 10_000;
const IN_FLIGHT = 4;

/** Registers the event schema for the topic's value subject; returns its registry id. */
export async function registerSchema(topic: string): Promise<number> {
  const registry = new SchemaRegistry({ host: stackEnv().schemaRegistryUrl });
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: schemaText },
    { subject: `${topic}-value` },
  );
  return id;
}

export function encode(schemaId: number, event: MembershipChange): Buffer {
  const body = type.toBuffer(event);
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}

/** Creates `topic` and writes `count` events, event i built by `make(i)`; returns the seconds it took. */
export async function fillTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  count: number,
  make: (i: number) => MembershipChange,
): Promise<number> {
  const started = performance.now();
  await createTopic(kafka, topic, partitions);
  const schemaId = await registerSchema(topic);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const sends = new Set<Promise<unknown>>();
    for (let from = 0; from < count; from += PER_SEND) {
      const messages: Message[] = [];
      for (let i = from; i < Math.min(count, from + PER_SEND); i++) {
        const event = make(i);
        messages.push({ key: event.connectorId, value: encode(schemaId, event), partition: i % partitions });
      }
      const p = producer.send({ topic, acks: 1, messages }).finally(() => sends.delete(p));
      sends.add(p);
      if (sends.size >= IN_FLIGHT) await Promise.race(sends);
    }
    await Promise.all(sends);
  } finally {
    await producer.disconnect();
  }
  return (performance.now() - started) / 1000;
}

export async function dropTopic(kafka: Kafka, topic: string): Promise<void> {
  await deleteTopics(kafka, [topic]);
}

/** A UUID-shaped event id from a number: distinct per event, cheap, and valid for the validator. */
export function eventId(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}
