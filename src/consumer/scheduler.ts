/**
 * Sends what the windowing core releases, with bounded concurrency, and turns outcomes into final
 * offsets. Per batch: send → on a whole-batch failure ask the FailurePolicy (retry the same batch,
 * dead-letter all of it, or abandon at shutdown) → per entry: settle on success, dead-letter a
 * rejected contact and settle once the dead letter is acknowledged → complete the batch.
 */
import { toSyncError, SyncError, ERROR_CODES, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Batch, BatchEntry, Windowing } from '../windowing/index.js';
import type { DeadLetterQueue } from './dead-letter-queue.js';
import type { FailurePolicy } from './failure-policy.js';
import type { BatchSender } from './sender.js';
import type { StatusBoard } from './status.js';

export interface SchedulerOptions {
  readonly concurrency: number;
  /** Longest idle sleep between looks at the store. */
  readonly idleMs?: number;
  readonly now?: () => number;
}

export class Scheduler {
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private flushing = false;
  private stopped = false;
  private readonly now: () => number;
  /** Called after every batch completes (backpressure resume check). */
  onBatchDone: () => void = () => undefined;
  /** True while fetching is paused by backpressure. */
  underPressure: () => boolean = () => false;

  constructor(
    private readonly windowing: Windowing,
    private readonly sender: BatchSender,
    private readonly dlq: DeadLetterQueue,
    private readonly policy: FailurePolicy,
    private readonly status: StatusBoard,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: SchedulerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get active(): number {
    return this.running.size;
  }

  /** Look at the store soon (after records were added, or a batch finished). */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stopped) return;
    let free = this.options.concurrency - this.running.size;
    if (free > 0) {
      // Under backpressure nothing new arrives until windows drain: send the oldest early rather
      // than stay paused until they age out.
      const early = this.flushing || this.underPressure();
      for (const batch of this.windowing.takeSendable(this.now(), free, early)) {
        free--;
        const p = this.run(batch).finally(() => {
          this.running.delete(p);
          this.onBatchDone();
          this.kick();
        });
        this.running.add(p);
      }
    }
    clearTimeout(this.timer);
    const due = this.windowing.nextDueMs();
    const idle = this.options.idleMs ?? 1_000;
    // With every slot taken, a finishing batch kicks the next pump; a due time in the past must
    // not turn the timer into a busy loop.
    const wait = due === undefined || free <= 0 ? idle : Math.min(idle, Math.max(0, due - this.now()));
    this.timer = setTimeout(() => {
      this.pump();
    }, wait);
  }

  /** Shutdown: every window is due now; resolves when all is sent or at the deadline. */
  async flush(deadlineMs: number): Promise<boolean> {
    this.flushing = true;
    for (;;) {
      this.pump();
      if (this.running.size === 0 && this.windowing.stats(this.now()).bufferedEntries === 0) return true;
      const left = deadlineMs - this.now();
      if (left <= 0) return false;
      await Promise.race([Promise.race(this.running), sleep(Math.min(left, 200))]);
    }
  }

  /** Stops sending; in-flight calls are aborted and their batches abandoned (replayed later). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort(new SyncError('SHUTTING_DOWN', 'the service is stopping'));
    await Promise.allSettled([...this.running]);
  }

  private async run(batch: Batch): Promise<void> {
    const started = this.now();
    const labels = { action: batch.action };
    this.metrics.batchSize.observe(labels, batch.entries.length);
    let attempts = 0;
    for (;;) {
      let outcomes;
      try {
        if (this.abort.signal.aborted) throw new SyncError('SHUTTING_DOWN', 'the service is stopping');
        outcomes = await this.sender.send(batch, this.abort.signal);
      } catch (err) {
        const error = this.abort.signal.aborted ? new SyncError('SHUTTING_DOWN', 'the service is stopping') : toSyncError(err);
        const counted = attempts + 1;
        const decision = this.policy.decide(error, counted, this.now());
        const log = { connectorId: batch.connectorId, addressBookId: batch.addressBookId, action: batch.action, size: batch.entries.length, code: error.code, attempt: counted };
        if (decision.kind === 'retry') {
          if (decision.countsAsAttempt) attempts = counted;
          this.metrics.batchRetries.inc({ ...labels, code: error.code });
          this.status.failed(batch.connectorId, batch.addressBookId, error, this.now(), true);
          this.logger.warn({ ...log, err: error.message, delayMs: decision.delayMs }, 'batch failed; retrying');
          await sleep(decision.delayMs, this.abort.signal);
          continue;
        }
        if (decision.kind === 'abandon') {
          this.windowing.complete(batch);
          this.metrics.batchesSent.inc({ ...labels, reason: batch.reason, outcome: 'abandoned' });
          return;
        }
        this.status.failed(batch.connectorId, batch.addressBookId, error, this.now(), false);
        this.logger.error({ ...log, err: error.message }, 'batch failed for good; dead-lettering its events');
        for (const entry of batch.entries) this.deadLetter(batch, entry, error, counted);
        this.finish(batch, started, 'dead_letter');
        return;
      }
      let failed = 0;
      const now = this.now();
      batch.entries.forEach((entry, i) => {
        const o = outcomes[i];
        if (o?.ok === true) {
          this.windowing.settle(batch, entry);
          this.status.synced(entry.event, now);
        } else {
          failed++;
          this.deadLetter(batch, entry, o === undefined ? new SyncError('DD_CONTACT_MISSING', 'no outcome') : o.error, attempts + 1);
        }
      });
      if (batch.entries.length > failed) this.metrics.contactsSynced.inc({ ...labels, outcome: 'success' }, batch.entries.length - failed);
      this.finish(batch, started, failed === 0 ? 'success' : 'partial');
      return;
    }
  }

  private finish(batch: Batch, started: number, outcome: string): void {
    this.windowing.complete(batch);
    this.metrics.batchesSent.inc({ action: batch.action, reason: batch.reason, outcome });
    this.metrics.batchDuration.observe({ action: batch.action }, (this.now() - started) / 1000);
  }

  private deadLetter(batch: Batch, entry: BatchEntry, error: SyncError, attempts: number): void {
    const code: ErrorCode = error.code;
    const message = error.remoteCode === undefined ? error.message : `${error.remoteCode}: ${error.message}`;
    this.metrics.contactsSynced.inc({ action: batch.action, outcome: 'dead_letter' });
    this.status.deadLettered(batch.connectorId, entry.event, code);
    // The raw value bytes are not kept per buffered entry (memory); the decoded event is the record.
    this.dlq.add(
      {
        topic: entry.source.topic,
        partition: entry.source.partition,
        offset: entry.source.offset,
        key: Buffer.from(entry.event.connectorId),
        value: null,
        event: entry.event,
        errorCode: code,
        errorMessage: message,
        attempts,
        failedAt: this.now(),
        connectorId: batch.connectorId,
      },
      () => this.windowing.settle(batch, entry),
    );
  }
}

export const scopeOfCode = (code: string): string => (code in ERROR_CODES ? ERROR_CODES[code as ErrorCode].scope : 'process');

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
