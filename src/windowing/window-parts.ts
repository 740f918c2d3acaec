import type { BatchEntry } from './batch.js';
import type { Queued } from './due-queue.js';
import type { Action, MembershipChange, SourceOffset } from './event.js';

/*
 * The store's internal records (window-store.ts); outside src/windowing an Entry is only ever
 * seen as a BatchEntry.
 */

/**
 * One contact of one book: pending in a window (`window` set), or in flight (`window` null, from
 * release until its batch completes; its fields no longer change). A book's map holds each
 * contact's latest entry: a pending entry that arrived while an older one was in flight is
 * `blocked` until that batch completes.
 */
export class Entry implements BatchEntry {
  replaced: SourceOffset[] | null = null;
  constructor(
    readonly key: string,
    public event: MembershipChange,
    public source: SourceOffset,
    public window: Window | null,
    /** Position in window.entries, for O(1) removal when the contact changes action. */
    public index: number,
    public blocked: boolean,
  ) {}

  /** Batches get logged and serialised: only the public fields. */
  toJSON(): BatchEntry {
    return { key: this.key, event: this.event, source: this.source, replaced: this.replaced };
  }
}

export class Window implements Queued {
  entries: Entry[] = [];
  dueAtMs: number;
  /** When it first held maxBatchSize entries; once due, a window stays due. */
  fullAtMs = Infinity;
  heapIndex = -1;
  /** Due, but every entry left is blocked: out of the due queue until a blocking batch completes. */
  parked = false;
  constructor(
    readonly seq: number,
    readonly book: Book,
    readonly action: Action,
    public openedAtMs: number,
    windowMs: number,
  ) {
    this.dueAtMs = openedAtMs + windowMs;
  }
}

/** One (connector, address book): its contacts (pending or in flight) and its open windows. */
export class Book {
  readonly contacts = new Map<string, Entry>();
  addTail: Window | null = null;
  removeTail: Window | null = null;
  /** The next book with the same addressBookId under another connector. */
  next: Book | null = null;
  constructor(
    readonly connectorId: string,
    readonly addressBookId: number,
  ) {}
}
