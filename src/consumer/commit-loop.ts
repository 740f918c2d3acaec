/**
 * Commits the ledger's committable offsets of owned partitions every interval and at shutdown,
 * and refreshes the pipeline gauges. Only offsets that moved are sent; after a rebalance
 * everything is sent again, since another member may have committed meanwhile.
 */
import { tpKey } from './kafka.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Windowing } from '../windowing/index.js';

export interface Committer {
  commit(offsets: readonly { topic: string; partition: number; offset: number }[]): Promise<number>;
  highWatermark(topic: string, partition: number): number | undefined;
}

export class CommitLoop {
  private last = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly windowing: Windowing,
    private readonly committer: Committer,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      void this.commitNow();
    }, this.intervalMs);
  }

  onNewAssignment(): void {
    this.last = new Map();
    this.metrics.commitLag.reset();
  }

  /** One commit round; concurrent calls share the round in progress. */
  commitNow(): Promise<void> {
    this.inFlight ??= this.round().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async round(): Promise<void> {
    const stats = this.windowing.stats(this.now());
    this.metrics.bufferedEntries.set(stats.bufferedEntries);
    this.metrics.oldestBufferedAge.set(stats.oldestBufferedAgeMs / 1000);
    this.metrics.oldestUncommittedAge.set(stats.oldestUncommittedAgeMs / 1000);
    const offsets: { topic: string; partition: number; offset: number }[] = [];
    for (const { topic, partition } of this.windowing.assigned()) {
      const offset = this.windowing.committable(topic, partition);
      const hw = this.committer.highWatermark(topic, partition);
      if (offset !== undefined && hw !== undefined) this.metrics.commitLag.set({ topic, partition: String(partition) }, Math.max(0, hw - offset));
      if (offset !== undefined && this.last.get(tpKey(topic, partition)) !== offset) offsets.push({ topic, partition, offset });
    }
    if (offsets.length === 0) return;
    try {
      await this.committer.commit(offsets);
      for (const o of offsets) this.last.set(tpKey(o.topic, o.partition), o.offset);
      this.metrics.offsetsCommitted.inc({ result: 'ok' });
    } catch (err) {
      this.metrics.offsetsCommitted.inc({ result: 'error' });
      this.logger.warn({ err: (err as Error).message }, 'offset commit failed; will retry');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }
}
