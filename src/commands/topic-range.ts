/**
 * Reads a bounded range of a topic: from given start offsets up to end offsets fixed before
 * reading (the high watermarks at start), so a run ends even while producers keep appending —
 * including the redriven events that fail again and come back to the dead-letter topic.
 *
 * kafkajs reads only through a consumer group: the range's start is set as the group's offsets
 * (the group must have no members), then one member reads every partition. With `commit`, the
 * group's offset follows each handled batch, so an interrupted run resumes where it stopped.
 */
import type { Kafka, KafkaMessage } from 'kafkajs';
import { requireTopics } from '../consumer/kafka.js';

export { requireTopics };
import { SyncError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface RangeMessage {
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export interface RangeOptions {
  readonly topic: string;
  readonly groupId: string;
  /** Per partition: first offset to read; and the offset to stop before. Partitions not in `end` are not read. */
  readonly start: ReadonlyMap<number, number>;
  readonly end: ReadonlyMap<number, number>;
  /** Commit each handled batch in the group (else the group is only a vehicle, deleted afterwards). */
  readonly commit: boolean;
  /** Fail when no partition moves for this long. */
  readonly idleTimeoutMs?: number;
  /** Handles the messages of one fetched batch of one partition, in offset order. */
  onBatch(partition: number, messages: readonly RangeMessage[]): Promise<void>;
}


/** Records to read per partition (end − start, never negative). */
export function rangeSize(start: ReadonlyMap<number, number>, end: ReadonlyMap<number, number>): number {
  let n = 0;
  for (const [p, e] of end) n += Math.max(0, e - (start.get(p) ?? e));
  return n;
}

export async function readRange(kafka: Kafka, logger: Logger, o: RangeOptions): Promise<void> {
  const next = new Map<number, number>();
  for (const [p, e] of o.end) {
    const s = o.start.get(p) ?? e;
    if (s < e) next.set(p, s);
  }
  if (next.size === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer({ groupId: o.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  let timer: NodeJS.Timeout | undefined;
  try {
    await admin.setOffsets({ groupId: o.groupId, topic: o.topic, partitions: [...next].map(([partition, offset]) => ({ partition, offset: String(offset) })) });
    let lastMove = Date.now();
    let failed = false;
    let settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
    const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const advance = (partition: number, lastOffset: number) => {
      const want = next.get(partition);
      if (want === undefined || lastOffset + 1 <= want) return;
      lastMove = Date.now();
      if (lastOffset + 1 >= (o.end.get(partition) ?? 0)) next.delete(partition);
      else next.set(partition, lastOffset + 1);
      if (next.size === 0) settle?.resolve();
    };
    // Batches of control records only never reach eachBatch; their end offset still counts.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      if (e.payload.topic === o.topic) advance(e.payload.partition, Number(e.payload.lastOffset));
    });
    consumer.on(consumer.events.CRASH, (e) => settle?.reject(new SyncError('KAFKA_ERROR', `reading ${o.topic}: ${e.payload.error.message}`, { cause: e.payload.error })));
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async (payload) => {
        const batch = payload.batch;
        const from = next.get(batch.partition);
        // After a failure nothing more is handled: later batches must not pass the failed one.
        if (from === undefined || failed) return;
        try {
          const end = o.end.get(batch.partition) ?? 0;
          const wanted = batch.messages.filter((m) => Number(m.offset) >= from && Number(m.offset) < end).map((m) => toRange(batch.partition, m));
          if (wanted.length > 0) await o.onBatch(batch.partition, wanted);
          const last = Math.min(Number(batch.lastOffset()), end - 1);
          if (o.commit) await consumer.commitOffsets([{ topic: o.topic, partition: batch.partition, offset: String(last + 1) }]);
          advance(batch.partition, last);
          await payload.heartbeat();
        } catch (err) {
          failed = true;
          settle?.reject(err);
        }
      },
    });
    const idleMs = o.idleTimeoutMs ?? 60_000;
    timer = setInterval(() => {
      if (Date.now() - lastMove > idleMs) {
        const stuck = [...next].map(([p, at]) => `${p} at ${at} of ${o.end.get(p) ?? '?'}`).join(', ');
        settle?.reject(new SyncError('KAFKA_ERROR', `reading ${o.topic}: no progress for ${idleMs} ms (partitions ${stuck})`));
      }
    }, 1000);
    await finished;
  } finally {
    clearInterval(timer);
    await consumer.disconnect().catch((err: unknown) => {
      logger.warn({ err: (err as Error).message }, 'consumer disconnect failed');
    });
    if (!o.commit) {
      await admin.deleteGroups([o.groupId]).catch((err: unknown) => {
        logger.warn({ err: (err as Error).message, group: o.groupId }, 'could not delete the throwaway group');
      });
    }
    await admin.disconnect();
  }
}

function toRange(partition: number, m: KafkaMessage): RangeMessage {
  return { partition, offset: Number(m.offset), key: m.key, value: m.value };
}
