/**
 * The kafkajs consumer-group member, behind an interface the pipeline owns. Auto-commit is off:
 * offsets are committed only through `commit`, explicitly, for partitions this member owns.
 * Pausing stops fetching but kafkajs keeps heartbeating, so a long pause keeps membership.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { SyncError } from '../errors.js';
import type { Logger } from '../logger.js';
import { tpKey, type TopicPartition } from './kafka.js';

export interface InboundRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestampMs: number;
}

export interface RecordHandler {
  /** A new assignment (every rebalance): everything buffered for the old one is void. */
  onAssignment(partitions: readonly TopicPartition[]): void;
  /**
   * One record, in offset order per partition; may be async when decoding needs the registry.
   * `heartbeat` keeps the membership alive during a long wait (registry outage).
   */
  onRecord(record: InboundRecord, heartbeat: () => Promise<void>): void | Promise<void>;
  /** After each fetched batch: how many of its records were handed over (counted once per batch). */
  onBatchDone?(topic: string, records: number): void;
}

export interface GroupMemberOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
}

export class GroupMember {
  private readonly consumer: Consumer;
  private owned: readonly TopicPartition[] = [];
  private paused = false;
  private joined = false;
  private crashed: Error | undefined;
  private readonly highWatermarks = new Map<string, number>();

  constructor(
    kafka: Kafka,
    private readonly options: GroupMemberOptions,
    private readonly logger: Logger,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(60_000, options.sessionTimeoutMs),
      allowAutoTopicCreation: false,
    });
  }

  get isJoined(): boolean {
    return this.joined && this.crashed === undefined;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get crashError(): Error | undefined {
    return this.crashed;
  }

  assignment(): readonly TopicPartition[] {
    return this.owned;
  }

  /** The partition's high watermark as of its last fetch (undefined before one). */
  highWatermark(topic: string, partition: number): number | undefined {
    return this.highWatermarks.get(tpKey(topic, partition));
  }

  async start(handler: RecordHandler): Promise<void> {
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      const owned: TopicPartition[] = [];
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
        for (const partition of partitions) owned.push({ topic, partition });
      }
      this.owned = owned;
      this.joined = true;
      this.logger.info({ partitions: owned.map((p) => tpKey(p.topic, p.partition)) }, 'joined group with a new assignment');
      handler.onAssignment(owned);
      // kafkajs forgets pauses across a rejoin only for revoked partitions; re-apply ours.
      if (this.paused) this.pause();
    });
    this.consumer.on(CRASH, (e) => {
      if (!e.payload.restart) {
        this.crashed = e.payload.error;
        this.logger.error({ err: e.payload.error.message }, 'consumer crashed and will not restart');
      }
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => this.eachBatch(payload, handler),
    });
  }

  private async eachBatch(payload: EachBatchPayload, handler: RecordHandler): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    this.highWatermarks.set(tpKey(topic, partition), Number(batch.highWatermark));
    // kafkajs can only learn of a rebalance while this loop awaits, so liveness is checked at
    // the start and after each await rather than per record (it walks kafkajs' state).
    let live = payload.isRunning() && !payload.isStale();
    let last: string | undefined;
    let handled = 0;
    try {
      for (const m of batch.messages) {
        // Paused by backpressure mid-batch: stop here. The rest is not resolved, so the fetch
        // after resume starts at the first record not handed over; memory stays bounded.
        if (!live || this.paused) break;
        const r = handler.onRecord(
          { topic, partition, offset: Number(m.offset), key: m.key, value: m.value, timestampMs: Number(m.timestamp) },
          () => payload.heartbeat(),
        );
        if (r !== undefined) {
          await r;
          await payload.heartbeat();
          live = payload.isRunning() && !payload.isStale();
        }
        last = m.offset;
        handled++;
      }
    } finally {
      // Moves only kafkajs' fetch position (once, to the last record handed over): with
      // autoCommit off nothing is committed by it.
      if (last !== undefined) payload.resolveOffset(last);
      handler.onBatchDone?.(topic, handled);
    }
  }

  pause(): void {
    this.paused = true;
    this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
  }

  resume(): void {
    this.paused = false;
    this.consumer.resume(this.options.topics.map((topic) => ({ topic })));
  }

  /** Commits the given next-offsets; only partitions owned now are sent. */
  async commit(offsets: readonly { topic: string; partition: number; offset: number }[]): Promise<number> {
    const owned = new Set(this.owned.map((p) => tpKey(p.topic, p.partition)));
    const mine = offsets.filter((o) => owned.has(tpKey(o.topic, o.partition)));
    if (mine.length === 0) return 0;
    try {
      await this.consumer.commitOffsets(mine.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
    } catch (err) {
      throw new SyncError('KAFKA_ERROR', `offset commit failed: ${(err as Error).message}`, { cause: err });
    }
    return mine.length;
  }

  /** Stops fetching at once (shutdown): nothing new enters the pipeline. */
  stopFetching(): void {
    this.pause();
  }

  async disconnect(): Promise<void> {
    this.joined = false;
    await this.consumer.disconnect();
  }
}
