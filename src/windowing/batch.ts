import type { Action, MembershipChange, SourceOffset } from './event.js';

/** Why a window was released: it filled up, it reached windowMs, or a flush (shutdown) took it early. */
export type BatchReason = 'full' | 'age' | 'flush';

/** One contact of a batch: the winning (latest) event and every record it stands for. */
export interface BatchEntry {
  /** The normalised contact key (see contactKey); unique within the batch. */
  readonly key: string;
  /** The latest event for this contact, book and action: the one to apply. */
  readonly event: MembershipChange;
  /** The record of `event`. */
  readonly source: SourceOffset;
  /** Earlier records for the same contact and book that this entry replaced; null when none. */
  readonly replaced: readonly SourceOffset[] | null;
}

/** A released window, in flight from the moment takeSendable returns it until complete(batch). */
export interface Batch {
  readonly id: number;
  /** The generation (assignment) its records were consumed in. */
  readonly generation: number;
  readonly connectorId: string;
  readonly addressBookId: number;
  readonly action: Action;
  readonly reason: BatchReason;
  /** When the window opened: the first consumption of its oldest entry. */
  readonly openedAtMs: number;
  readonly entries: readonly BatchEntry[];
}

/** Every record an entry stands for: its own and the ones it replaced. */
export function entryOffsets(entry: BatchEntry): SourceOffset[] {
  return entry.replaced === null ? [entry.source] : [...entry.replaced, entry.source];
}
