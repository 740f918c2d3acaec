/**
 * Buffers dead letters and publishes them in small batches; each record's `onAcked` runs only
 * after Kafka acknowledged it, which is when its source offsets may become final. A failed
 * publish is retried with back-off until it succeeds or the queue is closed: dead letters are
 * never dropped, and the offsets behind them stay uncommitted meanwhile.
 */
import type { Metrics } from '../metrics.js';
import type { Logger } from '../logger.js';
import type { DeadLetterRecord } from '../windowing/event.js';
import type { DeadLetterSink } from './dead-letter.js';

interface Pending {
  readonly record: DeadLetterRecord;
  readonly onAcked: () => void;
}

export interface DeadLetterQueueOptions {
  readonly maxBatch?: number;
  readonly lingerMs?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

export class DeadLetterQueue {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private failures = 0;
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly sink: DeadLetterSink,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    options: DeadLetterQueueOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.lingerMs = options.lingerMs ?? 50;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** True while publishing keeps failing (readiness reports it). */
  get failing(): boolean {
    return this.failures > 0;
  }

  add(record: DeadLetterRecord, onAcked: () => void): void {
    this.queue.push({ record, onAcked });
    if (this.queue.length >= this.maxBatch) this.kick(0);
    else this.kick(this.lingerMs);
  }

  /** Resolves when everything queued so far is acknowledged (or the queue is closed). */
  async drain(): Promise<void> {
    while ((this.queue.length > 0 || this.running !== undefined) && !this.closed) {
      if (this.running === undefined && this.failures === 0) this.kick(0);
      // Always a macrotask wait: the publish starts from a timer, which a microtask loop would starve.
      await (this.running ?? sleep(Math.max(1, Math.min(this.lingerMs, this.retryBaseMs))));
    }
  }

  /** Stops retrying; what is still queued stays unacknowledged (its offsets uncommitted). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private kick(delayMs: number): void {
    if (this.closed || this.running !== undefined) return;
    if (this.timer !== undefined && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.publishSome().finally(() => {
        this.running = undefined;
        if (this.queue.length > 0 && !this.closed) this.kick(this.failures > 0 ? this.retryDelay() : 0);
      });
    }, delayMs);
  }

  private retryDelay(): number {
    return Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(10, this.failures - 1));
  }

  private async publishSome(): Promise<void> {
    const chunk = this.queue.slice(0, this.maxBatch);
    if (chunk.length === 0) return;
    try {
      await this.sink.publish(chunk.map((p) => p.record));
    } catch (err) {
      this.failures++;
      this.logger.error({ err: (err as Error).message, queued: this.queue.length, failures: this.failures }, 'dead-letter publish failed; will retry');
      return;
    }
    this.failures = 0;
    this.queue = this.queue.slice(chunk.length);
    for (const p of chunk) {
      this.metrics.deadLetters.inc({ code: p.record.errorCode });
      p.onAcked();
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
