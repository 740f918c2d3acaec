import type { Batch, BatchEntry } from './batch.js';
import { contactKey } from './contact-key.js';
import type { MembershipChange, SourceOffset } from './event.js';
import { OffsetLedger, type TopicPartition } from './offset-ledger.js';
import { resolveWindowingOptions, type WindowingOptions } from './options.js';
import { WindowStore } from './window-store.js';

/** What became of a consumed record handed to Windowing.add. */
export type AddResult =
  /** A new entry in a window. */
  | 'buffered'
  /** Replaced the pending event of the same contact and book (count it as coalesced). */
  | 'coalesced'
  /** Seen already in this generation (kafkajs re-delivered within one assignment): dropped. */
  | 'duplicate'
  /** The partition is not owned in this generation (a stale batch after a rebalance): dropped. */
  | 'not-owned';

export interface WindowingStats {
  readonly bufferedEntries: number;
  readonly inFlightBatches: number;
  /** Offsets consumed and not yet final, over owned partitions. */
  readonly pendingOffsets: number;
  /** Age of the oldest buffered entry since first consumed; 0 when none. */
  readonly oldestBufferedAgeMs: number;
  /** Age of the oldest lowest-pending offset of a partition (what holds commits back); 0 when none. */
  readonly oldestUncommittedAgeMs: number;
}

/**
 * The window store and the offset ledger driven together, the way the consumer needs them: every
 * record passes the ledger before the store, batches carry their generation, and outcomes only
 * move the ledger of the generation they belong to.
 */
export class Windowing {
  readonly options: WindowingOptions;
  readonly store: WindowStore;
  readonly ledger = new OffsetLedger();

  constructor(options: Partial<WindowingOptions> = {}) {
    this.options = resolveWindowingOptions(options);
    this.store = new WindowStore(this.options);
  }

  get generation(): number {
    return this.ledger.generation;
  }

  /**
   * A rebalance gave this member `partitions` (kafkajs GROUP_JOIN; [] when everything is revoked).
   * Starts a new generation: buffered entries are dropped, never sent; batches in flight finish.
   */
  onAssignment(partitions: readonly TopicPartition[]): number {
    const generation = this.ledger.assign(partitions);
    this.store.reset(generation);
    return generation;
  }

  /**
   * A decoded, valid record: records its offset and buffers the event. Throws SyncError
   * EVENT_NO_IDENTIFIER (before touching anything) when the profile has no identifier.
   */
  add(event: MembershipChange, source: SourceOffset, nowMs: number): AddResult {
    const key = contactKey(event.profile);
    const firstSeenMs = this.ledger.seen(source, nowMs);
    if (firstSeenMs < 0) return this.dropped(source);
    return this.store.add(key, event, source, nowMs, firstSeenMs) ? 'coalesced' : 'buffered';
  }

  /**
   * A record rejected before windowing (undecodable, invalid): records its offset and returns the
   * generation to pass to finalize() once its dead letter is acknowledged; undefined when the
   * record must be dropped instead (see AddResult 'duplicate' and 'not-owned').
   */
  reject(source: SourceOffset, nowMs: number): number | undefined {
    return this.ledger.seen(source, nowMs) < 0 ? undefined : this.ledger.generation;
  }

  /** The dead letter of a rejected record is acknowledged: its offset is final. */
  finalize(source: SourceOffset, generation: number): boolean {
    return this.ledger.markFinal(source, generation);
  }

  /** See WindowStore.takeSendable: due batches that ordering allows, now in flight. */
  takeSendable(nowMs: number, maxBatches: number, flush = false): Batch[] {
    return this.store.takeSendable(nowMs, maxBatches, flush);
  }

  /**
   * When to call takeSendable next, besides after every complete(); undefined when nothing waits.
   * It is in the past while due windows wait for a send slot: do not poll then, wait for a slot.
   */
  nextDueMs(): number | undefined {
    return this.store.nextDueMs();
  }

  /**
   * One entry of a batch has its final outcome: sent, or dead-lettered (call only once the dead
   * letter is acknowledged). Marks every record it stands for final; returns how many moved
   * (0 for a batch of an older generation).
   */
  settle(batch: Batch, entry: BatchEntry): number {
    let moved = this.ledger.markFinal(entry.source, batch.generation) ? 1 : 0;
    if (entry.replaced !== null) {
      for (const source of entry.replaced) if (this.ledger.markFinal(source, batch.generation)) moved++;
    }
    return moved;
  }

  /**
   * The batch is over: its contacts may be sent again. Call once, after its last attempt
   * (retryable failures are retried with the same batch, which stays in flight meanwhile).
   */
  complete(batch: Batch): boolean {
    return this.store.complete(batch);
  }

  /** The offset to commit for an owned partition; undefined when not owned or nothing consumed. */
  committable(topic: string, partition: number): number | undefined {
    return this.ledger.committable(topic, partition);
  }

  assigned(): TopicPartition[] {
    return this.ledger.assigned();
  }

  shouldPause(): boolean {
    return this.store.shouldPause();
  }

  shouldResume(): boolean {
    return this.store.shouldResume();
  }

  /** Per (connector, address book): contacts pending and in flight (O(buffered); for /status). */
  bookCounts(): { connectorId: string; addressBookId: number; pending: number; inFlight: number }[] {
    return this.store.bookCounts();
  }

  stats(nowMs: number): WindowingStats {
    const oldestBuffered = this.store.oldestBufferedMs();
    const oldestPending = this.ledger.oldestPendingSeenMs();
    return {
      bufferedEntries: this.store.buffered,
      inFlightBatches: this.store.inFlightBatches,
      pendingOffsets: this.ledger.pendingCount(),
      oldestBufferedAgeMs: oldestBuffered === undefined ? 0 : Math.max(0, nowMs - oldestBuffered),
      oldestUncommittedAgeMs: oldestPending === undefined ? 0 : Math.max(0, nowMs - oldestPending),
    };
  }

  private dropped(source: SourceOffset): AddResult {
    return this.ledger.owns(source.topic, source.partition) ? 'duplicate' : 'not-owned';
  }
}
