/**
 * Consumer-group offset administration behind an interface we own (replay, backfill estimate,
 * lag). One real adapter, on the kafkajs admin client.
 */
import type { Admin, Kafka } from 'kafkajs';
import { SyncError } from '../errors.js';

export interface PartitionOffsets {
  readonly partition: number;
  /** Committed next offset of the group, or -1 when none. */
  readonly committed: number;
  readonly low: number;
  readonly high: number;
}

export interface OffsetAdmin {
  groupMemberCount(groupId: string): Promise<number>;
  offsets(groupId: string, topic: string): Promise<PartitionOffsets[]>;
  /** First offset at or after the time, per partition (high watermark when none). */
  offsetsAt(topic: string, timestampMs: number): Promise<Map<number, number>>;
  setOffsets(groupId: string, topic: string, offsets: ReadonlyMap<number, number>): Promise<void>;
  close(): Promise<void>;
}

export class KafkaOffsetAdmin implements OffsetAdmin {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  private async ready(): Promise<Admin> {
    this.connected ??= this.admin.connect();
    await this.connected;
    return this.admin;
  }

  async groupMemberCount(groupId: string): Promise<number> {
    const { groups } = await (await this.ready()).describeGroups([groupId]);
    return groups[0]?.members.length ?? 0;
  }

  async offsets(groupId: string, topic: string): Promise<PartitionOffsets[]> {
    const admin = await this.ready();
    const [marks, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return marks
      .map((m) => ({ partition: m.partition, committed: byPartition.get(m.partition) ?? -1, low: Number(m.low), high: Number(m.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async offsetsAt(topic: string, timestampMs: number): Promise<Map<number, number>> {
    const admin = await this.ready();
    const [at, marks] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(topic, timestampMs), admin.fetchTopicOffsets(topic)]);
    const high = new Map(marks.map((m) => [m.partition, Number(m.high)]));
    // Kafka answers -1 when no record is at or after the time: start from the end then.
    return new Map(at.map((p) => [p.partition, Number(p.offset) < 0 ? (high.get(p.partition) ?? 0) : Number(p.offset)]));
  }

  async setOffsets(groupId: string, topic: string, offsets: ReadonlyMap<number, number>): Promise<void> {
    try {
      await (await this.ready()).setOffsets({ groupId, topic, partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: String(offset) })) });
    } catch (err) {
      throw new SyncError('KAFKA_ERROR', `cannot set offsets of ${groupId}: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.connected !== undefined) await this.admin.disconnect();
  }
}
