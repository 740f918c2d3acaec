import type { BatchEntry } from './batch.js';
import type { Queued } from './due-queue.js';
import type { Action, MembershipChange, SourceOffset } from './event.js';

/** The store's internal records (window-store.ts); nothing outside src/windowing sees them but as BatchEntry. */

export class Entry implements BatchEntry {
  replaced: SourceOffset[] | null = null;
  constructor(
    readonly key: string,
    public event: MembershipChange,
    public source: SourceOffset,
    public window: Window,
    /** Position in window.entries, for O(1) removal when the contact changes action. */
    public index: number,
  ) {}

  /** Batches get logged and serialised: only the public fields (window links back to the store). */
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
  /** Due, but every entry left waits for a batch in flight with the same contact. */
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

/** One (connector, address book): its pending contacts, its contacts in flight, its open windows. */
export class Book {
  readonly contacts = new Map<string, Entry>();
  readonly inFlight = new Set<string>();
  addTail: Window | null = null;
  removeTail: Window | null = null;
  /** The next book with the same addressBookId under another connector. */
  next: Book | null = null;
  constructor(
    readonly connectorId: string,
    readonly addressBookId: number,
  ) {}
}
