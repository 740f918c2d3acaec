import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Partitioners, type Kafka } from 'kafkajs';
import type { MembershipChange } from '../../../src/windowing/event.js';
import { stackEnv } from './stack-env.js';

const schemaText = readFileSync(new URL('../../../schemas/membership-change.avsc', import.meta.url), 'utf8');

export function testRegistry(): SchemaRegistry {
  return new SchemaRegistry({ host: stackEnv().schemaRegistryUrl });
}

export function event(connectorId: string, addressBookId: number, action: 'ADD' | 'REMOVE', profile: Partial<MembershipChange['profile']>): MembershipChange {
  return {
    eventId: randomUUID(),
    occurredAt: Date.now(),
    connectorId,
    source: { kind: 'AUDIENCE', id: 'aud-1', stepId: null },
    addressBookId,
    action,
    profile: { profileId: randomUUID(), email: null, contactId: null, mobileNumber: null, ...profile },
  };
}

/** Produces events (Confluent wire format, key = connectorId) and raw values, in the order given. */
export async function produce(kafka: Kafka, topic: string, items: readonly (MembershipChange | { raw: Buffer; key: string })[]): Promise<void> {
  const registry = testRegistry();
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: schemaText }, { subject: `${topic}-value` });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const messages = await Promise.all(
      items.map(async (item) => ('raw' in item ? { key: item.key, value: item.raw } : { key: item.connectorId, value: await registry.encode(id, item) })),
    );
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, messages: messages.slice(i, i + 500) });
  } finally {
    await producer.disconnect();
  }
}

/** Reads every record of a topic (from the beginning) until `count` arrived or the timeout. */
export async function readAll(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<{ key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const out: { key: Buffer | null; value: Buffer | null; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        out.push({ key: message.key, value: message.value, headers });
        if (out.length >= count) resolve();
        return Promise.resolve();
      },
    });
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs))]);
  await consumer.disconnect();
  return out;
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
