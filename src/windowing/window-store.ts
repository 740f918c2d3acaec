import type { Batch, BatchReason } from './batch.js';
import { DueQueue } from './due-queue.js';
import type { Action, MembershipChange, SourceOffset } from './event.js';
import { Book, Entry, Window } from './window-parts.js';
import type { WindowingOptions } from './options.js';

/**
 * Open windows per (connector, address book, action), coalescing per contact, and the in-flight
 * contact sets that order sends. See index.ts for the rules.
 */
export class WindowStore {
  private readonly books = new Map<number, Book>();
  private readonly due = new DueQueue<Window>();
  private readonly parked = new Set<Window>();
  private readonly inFlight = new Map<number, Book>();
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
    const entry = book.contacts.get(key);
    if (entry === undefined) {
      const window = this.windowFor(book, event.action, firstSeenMs);
      const created = new Entry(key, event, source, window, window.entries.length);
      book.contacts.set(key, created);
      this.bufferedCount++;
      this.push(window, created, nowMs);
      return false;
    }
    if (entry.replaced === null) entry.replaced = [entry.source];
    else entry.replaced.push(entry.source);
    entry.source = source;
    entry.event = event;
    const from = entry.window;
    if (from.action === event.action) {
      this.backdate(from, firstSeenMs);
    } else {
      // Moves to the other action's window, keeping the age of the one it leaves (never younger).
      this.detach(entry);
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

  /** When the earliest window that is not waiting on a batch in flight is due; undefined when none. */
  nextDueMs(): number | undefined {
    return this.due.peek()?.dueAtMs;
  }

  /**
   * The batch is over (every entry sent or dead-lettered, or given up at shutdown): its contacts
   * may be sent again. Returns false when the batch is not in flight (completed already).
   */
  complete(batch: Batch): boolean {
    const book = this.inFlight.get(batch.id);
    if (book === undefined) return false;
    this.inFlight.delete(batch.id);
    for (const { key } of batch.entries) {
      book.inFlight.delete(key);
      const waiting = book.contacts.get(key);
      if (waiting?.window.parked === true) this.unpark(waiting.window);
    }
    this.dropIfIdle(book);
    return true;
  }

  /** A new generation: drops every buffered entry (never sent); batches in flight stay and keep blocking. */
  reset(generation: number): number {
    const dropped = this.bufferedCount;
    for (const [id, first] of this.books) {
      // Keep only the books with contacts in flight (re-linking the chain), emptied.
      let keep: Book | null = null;
      for (let book: Book | null = first; book !== null;) {
        const next: Book | null = book.next;
        book.contacts.clear();
        book.addTail = book.removeTail = null;
        if (book.inFlight.size > 0) {
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
    const book = window.book;
    const all = window.entries;
    let sendable = all;
    if (book.inFlight.size > 0) {
      sendable = [];
      let kept = 0;
      for (const entry of all) {
        if (book.inFlight.has(entry.key)) {
          entry.index = kept;
          all[kept++] = entry;
        } else sendable.push(entry);
      }
      all.length = kept;
    }
    if (sendable === all || all.length === 0) this.untail(window);
    else {
      window.parked = true;
      this.parked.add(window);
    }
    if (sendable.length === 0) return null;
    for (const entry of sendable) {
      book.contacts.delete(entry.key);
      book.inFlight.add(entry.key);
    }
    this.bufferedCount -= sendable.length;
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
    this.inFlight.set(batch.id, book);
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

  private dropIfIdle(book: Book): void {
    if (book.contacts.size > 0 || book.inFlight.size > 0) return;
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
    if (window.parked && !window.book.inFlight.has(entry.key)) this.unpark(window);
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

  private detach(entry: Entry): void {
    const window = entry.window;
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
