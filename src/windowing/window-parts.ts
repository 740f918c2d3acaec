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
    /** keyHash(key), the book's index key. */
    readonly hash: number,
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

/**
 * One (connector, address book): its contacts (pending or in flight) and its open windows.
 *
 * The book is itself the index of its contacts, keyed by a 32-bit hash of the contact key rather
 * than the key: a Map compares number keys inline, where each string candidate costs a memory
 * access, which makes lookups about twice as fast at a million contacts. The rare key whose hash
 * is held by another key lives in `collisions`, by key.
 */
export class Book extends Map<number, Entry> {
  addTail: Window | null = null;
  removeTail: Window | null = null;
  /** The next book with the same addressBookId under another connector. */
  next: Book | null = null;
  private collisions: Map<string, Entry> | null = null;

  constructor(
    readonly connectorId: string,
    readonly addressBookId: number,
  ) {
    super();
  }

  /** The contact's latest entry (pending or in flight). */
  find(key: string, hash: number): Entry | undefined {
    const entry = this.get(hash);
    if (entry !== undefined && entry.key === key) return entry;
    return this.collisions?.get(key);
  }

  /** Makes `entry` its contact's latest, in place of `previous` (the latest until now) if any. */
  put(entry: Entry, previous: Entry | undefined): void {
    const holder = this.get(entry.hash);
    if (holder === previous || (holder === undefined && previous === undefined)) this.set(entry.hash, entry);
    else (this.collisions ??= new Map()).set(entry.key, entry);
  }

  /**
   * Its contacts pending in windows and in flight, each counted once by its latest entry (one
   * pending behind one in flight counts as pending): O(contacts), for status pages only.
   */
  counts(): { pending: number; inFlight: number } {
    let pending = 0;
    let inFlight = 0;
    for (const map of this.collisions === null ? [this] : [this, this.collisions]) {
      for (const entry of map.values()) {
        if (entry.window === null) inFlight++;
        else pending++;
      }
    }
    return { pending, inFlight };
  }

  remove(entry: Entry): void {
    if (this.get(entry.hash) === entry) this.delete(entry.hash);
    else this.collisions?.delete(entry.key);
  }

  get contacts(): number {
    return this.size + (this.collisions?.size ?? 0);
  }

  /** Every contact's latest entry; removing the current one while iterating is allowed. */
  *all(): IterableIterator<Entry> {
    yield* this.values();
    if (this.collisions !== null) yield* this.collisions.values();
  }
}

/** FNV-1a over the UTF-16 code units: cheap, and spreads short similar keys (emails) well. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0;
}
