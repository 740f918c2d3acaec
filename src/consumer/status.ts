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

interface ConnectorStatus {
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
      s = { synced: 0, deadLettered: {}, retries: 0, lastError: null, lastSuccessAtMs: null, sources: new Map() };
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

  synced(event: MembershipChange, nowMs: number): void {
    const s = this.of(event.connectorId);
    s.synced++;
    s.lastSuccessAtMs = nowMs;
    this.source(s, event).synced++;
  }

  deadLettered(connectorId: string, event: MembershipChange | null, code: string): void {
    const s = this.of(connectorId);
    s.deadLettered[code] = (s.deadLettered[code] ?? 0) + 1;
    if (event !== null) {
      const c = this.source(s, event);
      c.deadLettered[code] = (c.deadLettered[code] ?? 0) + 1;
    }
  }

  failed(connectorId: string, error: SyncError, nowMs: number, retrying: boolean): void {
    const s = this.of(connectorId);
    if (retrying) s.retries++;
    s.lastError = { code: error.code, message: error.message, atMs: nowMs, retryable: error.retryable };
  }

  /** Connectors whose last batch-level event was a connector-wide error (bad credentials, region). */
  degradedCount(scopeOf: (code: string) => string): number {
    let n = 0;
    for (const s of this.connectors.values()) {
      if (s.lastError !== null && scopeOf(s.lastError.code) === 'connector' && (s.lastSuccessAtMs ?? 0) < s.lastError.atMs) n++;
    }
    return n;
  }

  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [id, s] of this.connectors) {
      out[id] = {
        synced: s.synced,
        deadLettered: s.deadLettered,
        retries: s.retries,
        lastSuccessAt: s.lastSuccessAtMs === null ? null : new Date(s.lastSuccessAtMs).toISOString(),
        lastError: s.lastError === null ? null : { ...s.lastError, at: new Date(s.lastError.atMs).toISOString(), atMs: undefined },
        sources: Object.fromEntries(s.sources),
      };
    }
    return out;
  }
}
