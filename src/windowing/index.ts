/**
 * The windowing core: pure (no I/O, no timers; time comes in as `nowMs`), driven by the consumer.
 *
 * Windows. Entries wait in windows per (connector, address book, action). An entry is one contact
 * under its normalised key (contactKey: email, else contactId, else mobile), with its latest event
 * and every record it stands for. A window is due when it holds maxBatchSize entries or windowMs
 * after it opened; once due it stays due, and until a send slot takes it (takeSendable's
 * maxBatches, chosen by the scheduler from rate limits) it keeps taking entries up to
 * maxBatchSize, so batches are as full as they can be under rate limits and in backfills.
 *
 * Coalescing. A contact has at most one pending entry per (connector, book). A later event
 * replaces the pending one, moving it to the other action's window when the action differs (enter
 * then exit sends only the remove); the replaced records travel with the winner (entry.replaced)
 * and become final with it.
 *
 * Ordering. A contact of a batch in flight is never released again until that batch completes:
 * takeSendable leaves such entries in their window, which waits (parked, out of nextDueMs) for
 * complete(). So an ADD and a REMOVE of one contact and book are never in flight together, and a
 * later change never overtakes an earlier one in flight, across generations too: batches in flight
 * survive a rebalance and block the re-delivered events of their contacts until they complete.
 * Retry policy: a batch that fails retryably is retried as it is by the scheduler and stays in
 * flight (blocking its contacts) until its last attempt; only then is complete() called.
 *
 * Offsets. Every consumed record passes the ledger first (add, or reject for records that are
 * dead-lettered before windowing), and becomes final with the generation it was seen in (settle,
 * finalize). committable() is the lowest offset not final, else last seen + 1. Within one
 * generation offsets only move forward: a record at or below the last one seen is a duplicate
 * delivery and is dropped (its first copy brings the outcome), so a deliberate seek backwards
 * needs a new generation (onAssignment).
 *
 * Clock across rebalances. kafkajs re-delivers from the committed offset after every rebalance, and
 * the buffered entries of the old generation are dropped. If re-delivered records aged from their
 * re-delivery, rebalances closer together than windowMs would hold a profile back for ever. So for
 * the partitions it keeps, this process remembers when it first consumed each offset that was not
 * committed yet (the ledger carries the times over, generation after generation) and a
 * re-delivered record ages from its first consumption: its window is due no later than windowMs
 * after that, however many rebalances come between. A window's age is that of its oldest entry, so
 * mixing re-delivered and fresh records only ever sends sooner. A partition taken over by another
 * process (or revoked, then assigned back later) starts afresh there: that process never saw the
 * records, so each takeover can add up to one windowMs; that is the price of not sharing state.
 */
export type { Batch, BatchEntry, BatchReason } from './batch.js';
export { entryOffsets } from './batch.js';
export { contactKey } from './contact-key.js';
export type { Action, MembershipChange, SourceOffset } from './event.js';
export { OffsetLedger, type TopicPartition } from './offset-ledger.js';
export { DEFAULT_WINDOWING_OPTIONS, resolveWindowingOptions, type WindowingOptions } from './options.js';
export { WindowStore } from './window-store.js';
export { Windowing, type AddResult, type WindowingStats } from './windowing.js';
