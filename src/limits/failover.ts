/**
 * Chooses between the shared store (Redis) and this process's MemoryStore, and measures the
 * offset to Redis's clock so that every replica bins grants into the same sub-windows.
 *
 * Any failed shared call (connection refused, command timeout, not ready) switches to the
 * fallback at once; a probe then pings Redis every probeIntervalMs and, once it answers,
 * hands over the grants made during the outage (so that Redis counts them for the rest of
 * their window) before the shared store is used again.
 */
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { MemoryStore } from './memory-store.js';
import type { LimiterStore } from './store.js';

export interface FailoverOptions {
  readonly counterTtlMs: number;
  readonly probeIntervalMs: number;
  readonly clockSyncMs: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now: () => number;
}

export class Failover {
  /** This process's own grants and known cool-downs, always; the decision store in an outage. */
  readonly mirror: MemoryStore;
  /** Grants made during the current outage, to be added to Redis when it is back. */
  private handover: MemoryStore | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private offsetMs = 0;
  private lastClockSyncMs = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly shared: LimiterStore,
    private readonly options: FailoverOptions,
  ) {
    this.mirror = new MemoryStore(options.counterTtlMs, options.now);
    options.metrics.rateLimitFallback.set(0);
  }

  get fallbackActive(): boolean {
    return this.handover !== undefined;
  }

  /** Epoch ms on the shared store's clock (as last measured). */
  now(): number {
    return this.options.now() + this.offsetMs;
  }

  /** Runs fn on the shared store; undefined when the fallback is active or the call failed. */
  async onShared<T>(fn: (store: LimiterStore) => Promise<T>): Promise<T | undefined> {
    if (this.fallbackActive || this.closed) return undefined;
    try {
      await this.syncClockIfDue();
      return await fn(this.shared);
    } catch (err) {
      this.enterFallback(err);
      return undefined;
    }
  }

  /** Notes a grant decided on `store` in the stores that did not see it. */
  async recordGrant(store: LimiterStore, counterKey: string): Promise<void> {
    if (store !== this.mirror) await this.mirror.add(counterKey, 1);
    else await this.handover?.add(counterKey, 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    await this.shared.close();
  }

  private enterFallback(err: unknown): void {
    if (this.fallbackActive || this.closed) return;
    this.handover = new MemoryStore(this.options.counterTtlMs, this.options.now);
    this.options.metrics.rateLimitFallback.set(1);
    this.options.logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'Redis unreachable: rate limits fall back to this process\'s conservative share',
    );
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.closed) return;
    this.probeTimer = setTimeout(() => void this.probe(), this.options.probeIntervalMs);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    const handover = this.handover;
    if (!handover || this.closed) return;
    try {
      await this.shared.ping();
      for (const record of handover.counterRecords()) await this.shared.add(record.key, record.value);
      for (const [key, member, until] of this.mirror.activeCooldowns()) await this.shared.coolDown(key, member, until);
      this.lastClockSyncMs = Number.NEGATIVE_INFINITY;
      await this.syncClockIfDue();
    } catch {
      // Still away (or went away again while handing over): keep the fallback and retry.
      this.scheduleProbe();
      return;
    }
    this.handover = undefined;
    this.options.metrics.rateLimitFallback.set(0);
    this.options.logger.info('Redis reachable again: rate limits are shared through Redis');
  }

  private async syncClockIfDue(): Promise<void> {
    const before = this.options.now();
    if (before - this.lastClockSyncMs < this.options.clockSyncMs) return;
    const server = await this.shared.time();
    const after = this.options.now();
    this.offsetMs = server - (before + after) / 2;
    this.lastClockSyncMs = after;
  }
}
