import type { Batch, BatchReason } from './batch.js';
import { DueQueue } from './due-queue.js';
import type { Action, MembershipChange, SourceOffset } from './event.js';
import type { WindowingOptions } from './options.js';
import { Book, Entry, keyHash, Window } from './window-parts.js';

/**
 * Open windows per (connector, address book, action), coalescing per contact, and the order of
 * sends per contact. See index.ts for the rules.
 *
 * Cost per event: one Map lookup for the book and one for the contact (by key hash), plus an
 * insert for a new contact. Releasing costs no lookup; completing costs a lookup and a delete per
 * contact, since a contact in flight stays in its book's map (window null) to block later events.
 */
export class WindowStore {
  private readonly books = new Map<number, Book>();
  private readonly due = new DueQueue<Window>();
  private readonly parked = new Set<Window>();
  /** Batches in flight by id: their book and entries (the store's own, whatever the caller holds). */
  private readonly inFlight = new Map<number, { readonly book: Book; readonly entries: readonly Entry[] }>();
  private bufferedCount = 0;
  private windowSeq = 0;
  private batchSeq = 0;
  private gen = 0;

  constructor(private readonly options: WindowingOptions) {}

  /** Contacts held in windows (not in flight). */
  get buffered(): number {
    return this.bufferedCount;
  }

  get inFlightBatches(): number {
    return this.inFlight.size;
  }

  get generation(): number {
    return this.gen;
  }

  /**
   * Buffers an event under its contact key (see contactKey). `firstSeenMs` is when its record was
   * first consumed (before a rebalance, possibly). Returns true when it replaced a pending event
   * for the same contact and book (coalesced), false when it is a new entry.
   */
  add(
    key: string,
    event: MembershipChange,
    source: SourceOffset,
    nowMs: number,
    firstSeenMs = nowMs,
  ): boolean {
    const book = this.book(event.connectorId, event.addressBookId);
    const hash = keyHash(key);
    const entry = book.find(key, hash);
    const from = entry?.window ?? null;
    if (entry === undefined || from === null) {
      // New, or its previous entry is in flight: then this one waits for that batch.
      const window = this.windowFor(book, event.action, firstSeenMs);
      const created = new Entry(key, hash, event, source, window, window.entries.length, entry !== undefined);
      book.put(created, entry);
      this.bufferedCount++;
      this.push(window, created, nowMs);
      return false;
    }
    if (entry.replaced === null) entry.replaced = [entry.source];
    else entry.replaced.push(entry.source);
    entry.source = source;
    entry.event = event;
    if (from.action === event.action) {
      this.backdate(from, firstSeenMs);
    } else {
      // Moves to the other action's window, keeping the age of the one it leaves (never younger).
      this.detach(entry, from);
      const window = this.windowFor(book, event.action, Math.min(firstSeenMs, from.openedAtMs));
      entry.window = window;
      entry.index = window.entries.length;
      this.push(window, entry, nowMs);
    }
    return true;
  }

  /**
   * Releases up to `maxBatches` due windows (earliest due first), leaving out contacts that are
   * in flight in another batch; the batches are in flight until complete(). With `flush`, every
   * window is due (shutdown). A due window left behind keeps taking entries up to maxBatchSize.
   */
  takeSendable(nowMs: number, maxBatches: number, flush = false): Batch[] {
    const out: Batch[] = [];
    while (out.length < maxBatches) {
      const window = this.due.peek();
      if (window === undefined || (!flush && window.dueAtMs > nowMs)) break;
      this.due.pop();
      const batch = this.release(window, nowMs);
      if (batch !== null) out.push(batch);
    }
    return out;
  }

  /**
   * When the earliest window that is not waiting on a batch in flight is due; undefined when none.
   * In the past when due windows wait for a send slot: then the next complete() is the moment.
   */
  nextDueMs(): number | undefined {
    return this.due.peek()?.dueAtMs;
  }

  /**
   * The batch is over (every entry sent or dead-lettered, or given up at shutdown): its contacts
   * may be sent again. Returns false when the batch is not in flight (completed already).
   */
  complete(batch: Batch): boolean {
    const sent = this.inFlight.get(batch.id);
    if (sent === undefined) return false;
    this.inFlight.delete(batch.id);
    const book = sent.book;
    for (const entry of sent.entries) {
      // The contact's latest entry: this one, or a later one that waited for it.
      const latest = book.find(entry.key, entry.hash) ?? entry;
      const window = latest.window;
      if (window === null) book.remove(latest);
      else {
        latest.blocked = false;
        if (window.parked) this.unpark(window);
      }
    }
    if (book.contacts === 0) this.dropBook(book);
    return true;
  }

  /** A new generation: drops every buffered entry (never sent); batches in flight stay and keep blocking. */
  reset(generation: number): number {
    const dropped = this.bufferedCount;
    for (const [id, first] of this.books) {
      // Keep only the books with contacts in flight (re-linking the chain), emptied of the rest.
      let keep: Book | null = null;
      for (let book: Book | null = first; book !== null;) {
        const next: Book | null = book.next;
        book.addTail = book.removeTail = null;
        for (const entry of book.all()) {
          // A blocked entry stands in for its contact's batch in flight: it becomes its marker.
          if (entry.window !== null && !entry.blocked) book.remove(entry);
          else entry.window = null;
        }
        if (book.contacts > 0) {
          book.next = keep;
          keep = book;
        }
        book = next;
      }
      if (keep === null) this.books.delete(id);
      else this.books.set(id, keep);
    }
    this.due.clear();
    for (const window of this.parked) window.parked = false;
    this.parked.clear();
    this.bufferedCount = 0;
    this.gen = generation;
    return dropped;
  }

  /** When the oldest buffered entry was first consumed (window opening time); undefined when empty. */
  /** Per (connector, book) with contacts: pending and in flight. O(contacts): for status pages. */
  bookCounts(): { connectorId: string; addressBookId: number; pending: number; inFlight: number }[] {
    const out: { connectorId: string; addressBookId: number; pending: number; inFlight: number }[] = [];
    for (const first of this.books.values()) {
      for (let book: Book | null = first; book !== null; book = book.next) {
        const c = book.counts();
        if (c.pending + c.inFlight > 0) out.push({ connectorId: book.connectorId, addressBookId: book.addressBookId, ...c });
      }
    }
    return out;
  }

  oldestBufferedMs(): number | undefined {
    let oldest: number | undefined;
    for (const window of this.due.items())
      if (oldest === undefined || window.openedAtMs < oldest) oldest = window.openedAtMs;
    for (const window of this.parked)
      if (oldest === undefined || window.openedAtMs < oldest) oldest = window.openedAtMs;
    return oldest;
  }

  /** Fetching should pause: buffered entries reached maxBufferedEntries. */
  shouldPause(): boolean {
    return this.bufferedCount >= this.options.maxBufferedEntries;
  }

  /** Fetching may resume: buffered entries are back down to resumeBufferedEntries. */
  shouldResume(): boolean {
    return this.bufferedCount <= this.options.resumeBufferedEntries;
  }

  private release(window: Window, nowMs: number): Batch | null {
    const all = window.entries;
    let sendable = all;
    let kept = 0;
    for (const entry of all) {
      if (!entry.blocked) continue;
      // Some contact waits for a batch in flight: split the window.
      sendable = [];
      for (const e of all) {
        if (e.blocked) {
          e.index = kept;
          all[kept++] = e;
        } else sendable.push(e);
      }
      all.length = kept;
      break;
    }
    if (kept === 0) this.untail(window);
    else {
      window.parked = true;
      this.parked.add(window);
    }
    if (sendable.length === 0) return null;
    for (const entry of sendable) entry.window = null;
    this.bufferedCount -= sendable.length;
    const book = window.book;
    const batch: Batch = {
      id: ++this.batchSeq,
      generation: this.gen,
      connectorId: book.connectorId,
      addressBookId: book.addressBookId,
      action: window.action,
      reason: reasonFor(window, nowMs, this.options.windowMs),
      openedAtMs: window.openedAtMs,
      entries: sendable,
    };
    this.inFlight.set(batch.id, { book, entries: sendable });
    return batch;
  }

  private book(connectorId: string, addressBookId: number): Book {
    const first = this.books.get(addressBookId) ?? null;
    for (let book = first; book !== null; book = book.next) {
      if (book.connectorId === connectorId) return book;
    }
    const book = new Book(connectorId, addressBookId);
    book.next = first;
    this.books.set(addressBookId, book);
    return book;
  }

  private dropBook(book: Book): void {
    const first = this.books.get(book.addressBookId);
    if (first === book) {
      if (book.next === null) this.books.delete(book.addressBookId);
      else this.books.set(book.addressBookId, book.next);
      return;
    }
    for (let prev = first ?? null; prev !== null; prev = prev.next) {
      if (prev.next === book) {
        prev.next = book.next;
        return;
      }
    }
  }

  /** The window of this book and action that takes the next entry: the open tail, or a new one. */
  private windowFor(book: Book, action: Action, firstSeenMs: number): Window {
    const tail = action === 'ADD' ? book.addTail : book.removeTail;
    if (tail !== null && tail.entries.length < this.options.maxBatchSize) {
      this.backdate(tail, firstSeenMs);
      return tail;
    }
    const window = new Window(++this.windowSeq, book, action, firstSeenMs, this.options.windowMs);
    if (action === 'ADD') book.addTail = window;
    else book.removeTail = window;
    this.due.push(window);
    return window;
  }

  private push(window: Window, entry: Entry, nowMs: number): void {
    window.entries.push(entry);
    if (window.entries.length >= this.options.maxBatchSize && window.fullAtMs === Infinity) {
      window.fullAtMs = nowMs;
      if (nowMs < window.dueAtMs) {
        window.dueAtMs = nowMs;
        this.due.moved(window);
      }
    }
    if (window.parked && !entry.blocked) this.unpark(window);
  }

  /** An entry first consumed before the window opened makes the window that much older. */
  private backdate(window: Window, firstSeenMs: number): void {
    if (firstSeenMs >= window.openedAtMs) return;
    window.openedAtMs = firstSeenMs;
    const dueAtMs = firstSeenMs + this.options.windowMs;
    if (dueAtMs < window.dueAtMs) {
      window.dueAtMs = dueAtMs;
      this.due.moved(window);
    }
  }

  private detach(entry: Entry, window: Window): void {
    const entries = window.entries;
    const last = entries.pop() as Entry;
    if (last !== entry) {
      entries[entry.index] = last;
      last.index = entry.index;
    }
    if (entries.length > 0) return;
    if (window.parked) {
      window.parked = false;
      this.parked.delete(window);
    } else this.due.remove(window);
    this.untail(window);
  }

  private untail(window: Window): void {
    const book = window.book;
    if (book.addTail === window) book.addTail = null;
    else if (book.removeTail === window) book.removeTail = null;
  }

  private unpark(window: Window): void {
    window.parked = false;
    this.parked.delete(window);
    this.due.push(window);
  }
}

function reasonFor(window: Window, nowMs: number, windowMs: number): BatchReason {
  if (window.dueAtMs > nowMs) return 'flush';
  return window.fullAtMs <= window.openedAtMs + windowMs ? 'full' : 'age';
}
