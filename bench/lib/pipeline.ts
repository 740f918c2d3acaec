/**
 * The consuming half of the service, built from its real parts the way src/service.ts wires them
 * (GroupMember → Pipeline with the registry-backed EventDecoder → Windowing → Scheduler →
 * CommitLoop, dead letters through a DeadLetterQueue), with the BatchSender and the dead-letter
 * sink given by the benchmark. Counts the records handed to the pipeline, so a benchmark can
 * time from the first record to the last.
 */
import { CommitLoop } from '../../src/consumer/commit-loop.js';
import { DeadLetterQueue } from '../../src/consumer/dead-letter-queue.js';
import type { DeadLetterSink } from '../../src/consumer/dead-letter.js';
import { EventDecoder } from '../../src/consumer/decoder.js';
import { FailurePolicy } from '../../src/consumer/failure-policy.js';
import { GroupMember, type RecordHandler } from '../../src/consumer/group-member.js';
import { createKafka } from '../../src/consumer/kafka.js';
import { Pipeline } from '../../src/consumer/pipeline.js';
import { Scheduler } from '../../src/consumer/scheduler.js';
import { createRegistrySchemaSource } from '../../src/consumer/schema-source.js';
import type { BatchSender } from '../../src/consumer/sender.js';
import { StatusBoard } from '../../src/consumer/status.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { Windowing, type WindowingOptions } from '../../src/windowing/index.js';
import { stackEnv } from '../../test/integration/helpers/stack-env.js';

export interface BenchPipelineOptions {
  readonly topic: string;
  readonly groupId: string;
  readonly sender: BatchSender;
  readonly windowing?: Partial<WindowingOptions>;
  /** SEND_CONCURRENCY; the service's default is 8. */
  readonly concurrency?: number;
  readonly commitIntervalMs?: number;
}

/** Dead letters go nowhere: the benchmarks produce none, and none should wait on Kafka if one did. */
export const noDeadLetters: DeadLetterSink = {
  publish: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

export class BenchPipeline {
  readonly windowing: Windowing;
  readonly metrics: Metrics = createMetrics();
  private readonly member: GroupMember;
  private readonly pipeline: Pipeline;
  private readonly scheduler: Scheduler;
  private readonly commits: CommitLoop;
  private readonly dlq: DeadLetterQueue;
  private handled = 0;
  private firstAt: number | undefined;
  private waiter: { count: number; resolve: () => void } | undefined;

  constructor(o: BenchPipelineOptions) {
    const logger = silentLogger();
    const env = stackEnv();
    const kafka = createKafka(
      { brokers: env.kafkaBrokers, clientId: 'bench', ssl: false, sslCaFile: undefined, sasl: undefined },
      logger,
    );
    this.windowing = new Windowing(o.windowing ?? {});
    const status = new StatusBoard();
    this.dlq = new DeadLetterQueue(noDeadLetters, this.metrics, logger);
    this.member = new GroupMember(
      kafka,
      {
        groupId: o.groupId,
        topics: [o.topic],
        fromBeginning: true,
        sessionTimeoutMs: 30_000,
        heartbeatIntervalMs: 3_000,
      },
      logger,
    );
    const policy = new FailurePolicy({
      maxAttempts: 6,
      baseDelayMs: 1_000,
      maxDelayMs: 300_000,
      apiUsageBackoffMs: 900_000,
    });
    this.scheduler = new Scheduler(this.windowing, o.sender, this.dlq, policy, status, this.metrics, logger, {
      concurrency: o.concurrency ?? 8,
    });
    this.pipeline = new Pipeline({
      windowing: this.windowing,
      decoder: new EventDecoder({ source: createRegistrySchemaSource({ url: env.schemaRegistryUrl }) }),
      knownConnector: () => true,
      dlq: this.dlq,
      scheduler: this.scheduler,
      status,
      metrics: this.metrics,
      logger,
      flow: this.member,
    });
    this.commits = new CommitLoop(
      this.windowing,
      this.member,
      this.metrics,
      logger,
      o.commitIntervalMs ?? 5_000,
    );
    this.pipeline.onNewAssignment = () => this.commits.onNewAssignment();
    this.scheduler.onBatchDone = () => this.pipeline.checkFlow();
  }

  /** performance.now() of the first record handed over, once there was one. */
  get firstRecordAt(): number | undefined {
    return this.firstAt;
  }

  get recordsHandled(): number {
    return this.handled;
  }

  async start(): Promise<void> {
    const inner = this.pipeline;
    const counting: RecordHandler = {
      onAssignment: (partitions) => inner.onAssignment(partitions),
      onRecord: (record, heartbeat) => {
        this.firstAt ??= performance.now();
        const r = inner.onRecord(record, heartbeat);
        if (r === undefined) {
          this.counted();
          return;
        }
        return r.then(() => this.counted());
      },
    };
    await this.member.start(counting);
    this.commits.start();
    this.scheduler.kick();
  }

  /** Resolves once `count` records were handed to the pipeline. */
  handedOver(count: number): Promise<void> {
    if (this.handled >= count) return Promise.resolve();
    if (this.waiter !== undefined) throw new Error('one handedOver() wait at a time');
    return new Promise((resolve) => (this.waiter = { count, resolve }));
  }

  /** Every window due now; resolves true once everything buffered is sent and final. */
  flush(deadlineMs: number): Promise<boolean> {
    return this.scheduler.flush(deadlineMs);
  }

  async stop(): Promise<void> {
    this.pipeline.stop();
    this.member.stopFetching();
    await this.scheduler.stop();
    this.dlq.close();
    await this.commits.commitNow();
    await this.commits.stop();
    await this.member.disconnect();
  }

  private counted(): void {
    this.handled++;
    const w = this.waiter;
    if (w === undefined || this.handled < w.count) return;
    this.waiter = undefined;
    w.resolve();
  }
}
