/**
 * Kafka for end-to-end tests: a producer that knows where each record landed (partition and
 * offset), production spread over time that can be held while a test looks at the state, and
 * readers of committed offsets and dead letters.
 */
import { readFileSync } from 'node:fs';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { Partitioners, type Kafka, type PartitionMetadata, type Producer } from 'kafkajs';
import type { DeadLetterRecord, MembershipChange } from '../../../src/windowing/event.js';
import { readAll, testRegistry } from './events.js';
import { labelOf } from './e2e-workload.js';

const schemaText = readFileSync(new URL('../../../schemas/membership-change.avsc', import.meta.url), 'utf8');

/** A record to produce: an event (encoded, key = connectorId) or raw bytes with a key. */
export type Item = MembershipChange | { readonly raw: Buffer | null; readonly key: string };

export interface Placed<T extends Item = Item> {
  readonly item: T;
  readonly partition: number;
  readonly offset: number;
}

export const isEvent = (item: Item): item is MembershipChange => !('raw' in item);

export class TrackedProducer {
  private constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly partitions: PartitionMetadata[],
    readonly schemaId: number,
  ) {}

  static async connect(kafka: Kafka, topic: string): Promise<TrackedProducer> {
    const { id } = await testRegistry().register(
      { type: SchemaType.AVRO, schema: schemaText },
      { subject: `${topic}-value` },
    );
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] }).finally(() => admin.disconnect());
    // Idempotent: a retried send never duplicates records, so offsets and order are exactly as sent.
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new TrackedProducer(producer, topic, meta.topics[0]!.partitions, id);
  }

  encode(event: MembershipChange): Promise<Buffer> {
    return testRegistry().encode(this.schemaId, event);
  }

  /** Sends in the order given (the partition the default partitioner picks for the key); returns where each landed. */
  async send<T extends Item>(items: readonly T[]): Promise<Placed<T>[]> {
    const registry = testRegistry();
    const partitioner = Partitioners.DefaultPartitioner();
    const placed: Placed<T>[] = [];
    for (let from = 0; from < items.length; from += 1000) {
      const chunk = items.slice(from, from + 1000);
      const messages = await Promise.all(
        chunk.map(async (item) => {
          const key = isEvent(item) ? item.connectorId : item.key;
          const value = isEvent(item) ? await registry.encode(this.schemaId, item) : item.raw;
          const partition = partitioner({
            topic: this.topic,
            partitionMetadata: this.partitions,
            message: { key, value },
          });
          return { key, value, partition };
        }),
      );
      const meta = await this.producer.send({ topic: this.topic, acks: -1, messages });
      const next = new Map(meta.map((m) => [m.partition, Number(m.baseOffset)]));
      chunk.forEach((item, i) => {
        const partition = messages[i]!.partition;
        const offset = next.get(partition)!;
        next.set(partition, offset + 1);
        placed.push({ item, partition, offset });
      });
    }
    return placed;
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** Production spread over time: `chunk` records every `everyMs`, holdable between chunks. */
export class Trickle<T extends Item> {
  readonly placed: Placed<T>[] = [];
  readonly done: Promise<void>;
  private holds = 0;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(producer: TrackedProducer, items: readonly T[], chunk: number, everyMs: number) {
    this.done = (async () => {
      for (let i = 0; i < items.length; i += chunk) {
        while (this.holds > 0) await new Promise((r) => setTimeout(r, 20));
        const sending = producer.send(items.slice(i, i + chunk));
        this.inFlight = sending;
        this.placed.push(...(await sending));
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    // A test that fails early never awaits `done`; its topic deleted, the next send fails: not an
    // unhandled rejection on top of the real failure. Awaiting `done` still sees the error.
    this.done.catch(() => undefined);
  }

  /** Runs `look` with production stopped and every record sent so far placed. */
  async held<R>(look: () => Promise<R>): Promise<R> {
    this.holds++;
    try {
      await this.inFlight.catch(() => undefined);
      return await look();
    } finally {
      this.holds--;
    }
  }
}

/** Committed offset per partition (no commit = 0). */
export async function committedOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, Math.max(Number(p.offset), 0)]));
  } finally {
    await admin.disconnect();
  }
}

/** Records in a topic (sum of its partitions' high watermarks; nothing is ever deleted from them). */
export async function recordCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Every dead letter of the topic, decoded (waits until `count` are read). */
export async function deadLetters(kafka: Kafka, topic: string, count: number): Promise<DeadLetterRecord[]> {
  const registry = testRegistry();
  const records = await readAll(kafka, topic, count, 60_000);
  return Promise.all(records.map(async (r) => (await registry.decode(r.value!)) as DeadLetterRecord));
}

/** `book|label` → the events of that pair as `partition@offset ACTION`, for diff reports. */
export function historyOf(placed: readonly Placed[]): (bookAndLabel: string) => string[] {
  const index = new Map<string, string[]>();
  for (const p of placed) {
    if (!isEvent(p.item)) continue;
    const k = `${p.item.addressBookId}|${labelOf(p.item.profile)}`;
    const list = index.get(k) ?? [];
    list.push(`${p.partition}@${p.offset} ${p.item.action}`);
    index.set(k, list);
  }
  return (k) => index.get(k) ?? [];
}
