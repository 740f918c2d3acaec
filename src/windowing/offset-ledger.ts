import type { SourceOffset } from './event.js';
import { PartitionLedger } from './partition-ledger.js';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * Per owned (topic, partition), the offsets not yet final, for the current generation.
 *
 * Every consumed record passes through `seen` first, whatever becomes of it (windowed, or rejected
 * and dead-lettered), and becomes final through `markFinal` with the generation it was seen in.
 * `assign` starts a new generation: every partition starts afresh (kafkajs re-delivers from the
 * committed offset), revoked partitions are forgotten, and outcomes stamped with an older
 * generation are ignored. Only first-seen times cross generations (see carryOver).
 */
export class OffsetLedger {
  private gen = 0;
  private readonly topics = new Map<string, Map<number, PartitionLedger>>();
  // One-entry cache: kafkajs hands records over partition by partition.
  private cachedTopic = '';
  private cachedPartition = -1;
  private cached: PartitionLedger | undefined;

  get generation(): number {
    return this.gen;
  }

  /** The new assignment (kafkajs revokes everything first): returns the new generation. */
  assign(partitions: readonly TopicPartition[]): number {
    const previous = new Map(this.topics);
    this.topics.clear();
    for (const { topic, partition } of partitions) {
      const before = previous.get(topic)?.get(partition);
      let byPartition = this.topics.get(topic);
      if (byPartition === undefined)
        this.topics.set(topic, (byPartition = new Map<number, PartitionLedger>()));
      byPartition.set(partition, new PartitionLedger(before === undefined ? null : before.carryOver()));
    }
    this.cached = undefined;
    this.cachedPartition = -1;
    return ++this.gen;
  }

  owns(topic: string, partition: number): boolean {
    return this.get(topic, partition) !== undefined;
  }

  /** Partitions owned in this generation. */
  assigned(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const [topic, byPartition] of this.topics)
      for (const partition of byPartition.keys()) out.push({ topic, partition });
    return out;
  }

  /**
   * Records a consumed offset; returns when it was first consumed by this process (see
   * PartitionLedger.seen), or -1 when the partition is not owned or the offset was seen already
   * in this generation: the caller must then drop the record.
   */
  seen(source: SourceOffset, nowMs: number): number {
    const ledger = this.get(source.topic, source.partition);
    return ledger === undefined ? -1 : ledger.seen(source.offset, nowMs);
  }

  /** Marks an offset final; ignored (false) for another generation, an unowned partition or an offset not pending. */
  markFinal(source: SourceOffset, generation: number): boolean {
    if (generation !== this.gen) return false;
    const ledger = this.get(source.topic, source.partition);
    return ledger !== undefined && ledger.markFinal(source.offset);
  }

  /** The next offset to commit for an owned partition; undefined when not owned or nothing consumed yet. */
  committable(topic: string, partition: number): number | undefined {
    return this.get(topic, partition)?.committable();
  }

  /** Offsets seen and not yet final, over every owned partition. */
  pendingCount(): number {
    let n = 0;
    for (const byPartition of this.topics.values())
      for (const ledger of byPartition.values()) n += ledger.pending;
    return n;
  }

  /** The earliest first-consumption time among the lowest pending offsets of each partition. */
  oldestPendingSeenMs(): number | undefined {
    let oldest: number | undefined;
    for (const byPartition of this.topics.values()) {
      for (const ledger of byPartition.values()) {
        const t = ledger.oldestPendingSeenMs();
        if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t;
      }
    }
    return oldest;
  }

  private get(topic: string, partition: number): PartitionLedger | undefined {
    if (partition === this.cachedPartition && topic === this.cachedTopic && this.cached !== undefined)
      return this.cached;
    const ledger = this.topics.get(topic)?.get(partition);
    if (ledger !== undefined) {
      this.cached = ledger;
      this.cachedTopic = topic;
      this.cachedPartition = partition;
    }
    return ledger;
  }
}
