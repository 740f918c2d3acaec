/**
 * What the /status API shows: per connector, and per audience/journey (source) within it, how
 * many contacts were synced or dead-lettered, by code, and the last error with its time. This
 * is where per-connector detail lives; metrics carry no connector labels.
 */
import type { SyncError } from '../errors.js';
import type { MembershipChange } from '../windowing/event.js';

interface SourceCounts {
  synced: number;
  deadLettered: Record<string, number>;
}

interface BookStatus {
  synced: number;
  deadLettered: Record<string, number>;
  lastSuccessAtMs: number | null;
  lastError: { code: string; message: string; atMs: number } | null;
}

interface ConnectorStatus {
  books: Map<number, BookStatus>;
  synced: number;
  deadLettered: Record<string, number>;
  retries: number;
  lastError: { code: string; message: string; atMs: number; retryable: boolean } | null;
  lastSuccessAtMs: number | null;
  sources: Map<string, SourceCounts>;
}

const sourceKey = (e: MembershipChange): string => `${e.source.kind}:${e.source.id}${e.source.stepId === null ? '' : `:${e.source.stepId}`}`;

export class StatusBoard {
  private readonly connectors = new Map<string, ConnectorStatus>();

  private of(connectorId: string): ConnectorStatus {
    let s = this.connectors.get(connectorId);
    if (s === undefined) {
      s = { books: new Map(), synced: 0, deadLettered: {}, retries: 0, lastError: null, lastSuccessAtMs: null, sources: new Map() };
      this.connectors.set(connectorId, s);
    }
    return s;
  }

  private source(s: ConnectorStatus, event: MembershipChange): SourceCounts {
    const key = sourceKey(event);
    let c = s.sources.get(key);
    if (c === undefined) {
      c = { synced: 0, deadLettered: {} };
      s.sources.set(key, c);
    }
    return c;
  }

  private book(s: ConnectorStatus, addressBookId: number): BookStatus {
    let b = s.books.get(addressBookId);
    if (b === undefined) {
      b = { synced: 0, deadLettered: {}, lastSuccessAtMs: null, lastError: null };
      s.books.set(addressBookId, b);
    }
    return b;
  }

  synced(event: MembershipChange, nowMs: number): void {
    const s = this.of(event.connectorId);
    s.synced++;
    s.lastSuccessAtMs = nowMs;
    this.source(s, event).synced++;
    const b = this.book(s, event.addressBookId);
    b.synced++;
    b.lastSuccessAtMs = nowMs;
  }

  deadLettered(connectorId: string, event: MembershipChange | null, code: string): void {
    const s = this.of(connectorId);
    s.deadLettered[code] = (s.deadLettered[code] ?? 0) + 1;
    if (event !== null) {
      const c = this.source(s, event);
      c.deadLettered[code] = (c.deadLettered[code] ?? 0) + 1;
      const b = this.book(s, event.addressBookId);
      b.deadLettered[code] = (b.deadLettered[code] ?? 0) + 1;
    }
  }

  failed(connectorId: string, addressBookId: number, error: SyncError, nowMs: number, retrying: boolean): void {
    const s = this.of(connectorId);
    if (retrying) s.retries++;
    s.lastError = { code: error.code, message: error.message, atMs: nowMs, retryable: error.retryable };
    this.book(s, addressBookId).lastError = { code: error.code, message: error.message, atMs: nowMs };
  }

  /** Connectors whose last batch-level event was a connector-wide error (bad credentials, region). */
  degradedCount(scopeOf: (code: string) => string): number {
    let n = 0;
    for (const s of this.connectors.values()) {
      if (s.lastError !== null && scopeOf(s.lastError.code) === 'connector' && (s.lastSuccessAtMs ?? 0) < s.lastError.atMs) n++;
    }
    return n;
  }

  /**
   * The "Data Exchange" view: per connector, per audience/journey and per address book, with
   * what is pending and in flight now (from the windowing core) beside what happened so far.
   */
  snapshot(live: readonly { connectorId: string; addressBookId: number; pending: number; inFlight: number }[] = []): Record<string, unknown> {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const err = (e: { code: string; message: string; atMs: number } | null) => (e === null ? null : { code: e.code, message: e.message, at: iso(e.atMs) });
    const now = new Map(live.map((l) => [`${l.connectorId}|${l.addressBookId}`, l]));
    for (const l of live) this.book(this.of(l.connectorId), l.addressBookId);
    const out: Record<string, unknown> = {};
    for (const [id, s] of this.connectors) {
      const books: Record<string, unknown> = {};
      for (const [bookId, b] of s.books) {
        const l = now.get(`${id}|${bookId}`);
        books[String(bookId)] = { pending: l?.pending ?? 0, inFlight: l?.inFlight ?? 0, synced: b.synced, deadLettered: b.deadLettered, lastSuccessAt: iso(b.lastSuccessAtMs), lastError: err(b.lastError) };
      }
      out[id] = {
        synced: s.synced,
        deadLettered: s.deadLettered,
        retries: s.retries,
        lastSuccessAt: iso(s.lastSuccessAtMs),
        lastError: s.lastError === null ? null : { ...err(s.lastError), retryable: s.lastError.retryable },
        sources: Object.fromEntries(s.sources),
        addressBooks: books,
      };
    }
    return out;
  }
}
