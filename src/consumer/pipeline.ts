/**
 * What happens to each consumed record: the ledger sees it, it is decoded and validated, and it
 * either enters the windows or is dead-lettered with a code (its offset final once the dead
 * letter is acknowledged). Never stalls a partition on a bad record; waits (heartbeating) only
 * while the schema registry itself is unreachable, since dead-lettering good records then would
 * be wrong.
 */
import { SyncError, toSyncError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { MembershipChange, SourceOffset, Windowing } from '../windowing/index.js';
import type { DeadLetterQueue } from './dead-letter-queue.js';
import type { DecodeResult, EventDecoder } from './decoder.js';
import type { InboundRecord, RecordHandler } from './group-member.js';
import type { TopicPartition } from './kafka.js';
import type { Scheduler } from './scheduler.js';
import type { StatusBoard } from './status.js';

export interface FlowControl {
  readonly isPaused: boolean;
  pause(): void;
  resume(): void;
}

export interface PipelineDeps {
  readonly windowing: Windowing;
  readonly decoder: EventDecoder;
  readonly knownConnector: (id: string) => boolean;
  readonly dlq: DeadLetterQueue;
  readonly scheduler: Scheduler;
  readonly status: StatusBoard;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly flow: FlowControl;
  readonly now?: () => number;
  /** Back-off while the registry is unreachable. */
  readonly registryRetryMs?: number;
}

export class Pipeline implements RecordHandler {
  private readonly now: () => number;
  private stopping = false;
  registryDown = false;
  /** Called on every new assignment, after the windowing core moved to the new generation. */
  onNewAssignment: () => void = () => undefined;

  constructor(private readonly d: PipelineDeps) {
    this.now = d.now ?? Date.now;
  }

  stop(): void {
    this.stopping = true;
  }

  onAssignment(partitions: readonly TopicPartition[]): void {
    const generation = this.d.windowing.onAssignment(partitions);
    this.d.metrics.rebalances.inc();
    this.d.logger.info({ generation, partitions: partitions.length }, 'new generation: buffered entries of the old assignment dropped');
    this.onNewAssignment();
    this.checkFlow();
    this.d.scheduler.kick();
  }

  onBatchDone(topic: string, records: number): void {
    if (records > 0) this.d.metrics.recordsConsumed.inc({ topic }, records);
  }

  onRecord(record: InboundRecord, heartbeat: () => Promise<void>): void | Promise<void> {
    const decoded = this.d.decoder.decode(record.value);
    if (decoded instanceof Promise) return this.slowPath(record, decoded, heartbeat);
    this.accept(record, decoded);
  }

  private async slowPath(record: InboundRecord, first: Promise<DecodeResult>, heartbeat: () => Promise<void>): Promise<void> {
    let pending = first;
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await pending;
        if (this.registryDown) this.d.logger.info('schema registry reachable again');
        this.registryDown = false;
        this.accept(record, r);
        return;
      } catch (err) {
        const e = toSyncError(err);
        if (e.code !== 'REGISTRY_UNAVAILABLE' || this.stopping) throw e;
        if (!this.registryDown) this.d.logger.error({ err: e.message }, 'schema registry unreachable; waiting (nothing is dead-lettered for it)');
        this.registryDown = true;
        await heartbeat();
        await new Promise((r) => setTimeout(r, Math.min(30_000, (this.d.registryRetryMs ?? 1_000) * attempt)));
        const again = this.d.decoder.decode(record.value);
        pending = again instanceof Promise ? again : Promise.resolve(again);
      }
    }
  }

  private accept(record: InboundRecord, r: DecodeResult): void {
    const source: SourceOffset = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (!r.ok) {
      this.reject(record, source, r.error, r.event);
      return;
    }
    if (!this.d.knownConnector(r.event.connectorId)) {
      this.reject(record, source, new SyncError('CONNECTOR_UNKNOWN', `no connector ${r.event.connectorId} is configured`), r.event);
      return;
    }
    const result = this.d.windowing.add(r.event, source, this.now());
    if (result === 'coalesced') this.d.metrics.eventsCoalesced.inc();
    this.checkFlow();
    this.d.scheduler.kick();
  }

  private reject(record: InboundRecord, source: SourceOffset, error: SyncError, event: MembershipChange | null): void {
    const generation = this.d.windowing.reject(source, this.now());
    if (generation === undefined) return; // a duplicate delivery or a partition no longer owned
    this.d.metrics.recordsRejected.inc({ code: error.code });
    const connectorId = event?.connectorId ?? record.key?.toString('utf8') ?? null;
    if (connectorId !== null) this.d.status.deadLettered(connectorId, event, error.code);
    this.d.logger.warn({ topic: source.topic, partition: source.partition, offset: source.offset, code: error.code, err: error.message }, 'record rejected; dead-lettering');
    this.d.dlq.add(
      {
        ...source,
        key: record.key,
        value: record.value,
        event,
        errorCode: error.code,
        errorMessage: error.message,
        attempts: 1,
        failedAt: this.now(),
        connectorId,
      },
      () => this.d.windowing.finalize(source, generation),
    );
  }

  /** Backpressure: pause fetching above the high-water mark, resume below the low one. */
  checkFlow(): void {
    const { flow, windowing, metrics } = this.d;
    if (!flow.isPaused && windowing.shouldPause()) {
      flow.pause();
      metrics.consumerPaused.set(1);
      this.d.logger.warn({ buffered: windowing.stats(this.now()).bufferedEntries }, 'buffer full: fetching paused');
    } else if (flow.isPaused && windowing.shouldResume() && !this.stopping) {
      flow.resume();
      metrics.consumerPaused.set(0);
      this.d.logger.info('buffer drained: fetching resumed');
    }
  }
}
