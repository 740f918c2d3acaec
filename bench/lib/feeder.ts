/**
 * Windowing + Scheduler fed directly (no Kafka): for benchmarks whose figure is what reaches
 * DotDigital, not how fast records are read. Records get consecutive offsets on one partition,
 * as a consumer would hand them over; every one must become final.
 */
import { DeadLetterQueue } from '../../src/consumer/dead-letter-queue.js';
import { FailurePolicy } from '../../src/consumer/failure-policy.js';
import { Scheduler } from '../../src/consumer/scheduler.js';
import type { BatchSender } from '../../src/consumer/sender.js';
import { StatusBoard } from '../../src/consumer/status.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { Windowing, type MembershipChange, type WindowingOptions } from '../../src/windowing/index.js';
import { noDeadLetters } from './pipeline.js';
import { sleep } from './report.js';

const TOPIC = 'bench-fed';

export class Feeder {
  readonly windowing: Windowing;
  readonly metrics: Metrics = createMetrics();
  private readonly scheduler: Scheduler;
  private readonly dlq: DeadLetterQueue;
  private offset = 0;

  constructor(sender: BatchSender, windowing: Partial<WindowingOptions>, concurrency = 8) {
    const logger = silentLogger();
    this.windowing = new Windowing(windowing);
    this.windowing.onAssignment([{ topic: TOPIC, partition: 0 }]);
    this.dlq = new DeadLetterQueue(noDeadLetters, this.metrics, logger);
    const policy = new FailurePolicy({
      maxAttempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      apiUsageBackoffMs: 60_000,
    });
    this.scheduler = new Scheduler(
      this.windowing,
      sender,
      this.dlq,
      policy,
      new StatusBoard(),
      this.metrics,
      logger,
      { concurrency },
    );
  }

  add(events: Iterable<MembershipChange>): void {
    for (const event of events)
      this.windowing.add(event, { topic: TOPIC, partition: 0, offset: this.offset++ }, Date.now());
    this.scheduler.kick();
  }

  /** Waits until every record added so far is final; throws past the timeout. */
  async settled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.windowing.stats(Date.now()).pendingOffsets > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `${this.windowing.stats(Date.now()).pendingOffsets} records not final after ${timeoutMs} ms`,
        );
      await sleep(20);
    }
  }

  /** Dead letters by error code (per-contact rejections, failed batches): a benchmark expects none. */
  async deadLetters(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of (await this.metrics.deadLetters.get()).values) out[String(v.labels.code)] = v.value;
    return out;
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    this.dlq.close();
  }
}
