/** Every API call the sandbox answered: counts per (operation, scope, status) and the latest entries. */
import type { CallCount, CallEntry } from './types.js';

export const DEFAULT_CALL_LOG_ENTRIES = 100_000;

export class CallLog {
  private readonly counts = new Map<string, CallCount>();
  private readonly entries: CallEntry[] = [];
  private total = 0;

  constructor(private readonly keepEntries = DEFAULT_CALL_LOG_ENTRIES) {}

  record(entry: CallEntry): void {
    this.total++;
    const key = `${entry.operation}|${entry.scope}|${entry.status}`;
    const prev = this.counts.get(key);
    this.counts.set(key, {
      operation: entry.operation,
      scope: entry.scope,
      status: entry.status,
      count: (prev?.count ?? 0) + 1,
    });
    this.entries.push(entry);
    // Trimmed in bulk (amortised O(1) per call) rather than by one on every call past the limit.
    if (this.entries.length >= 2 * this.keepEntries)
      this.entries.splice(0, this.entries.length - this.keepEntries);
  }

  summary(): { total: number; counts: CallCount[] } {
    const counts = [...this.counts.values()].sort(
      (a, b) =>
        a.operation.localeCompare(b.operation) ||
        a.scope.localeCompare(b.scope) ||
        a.status.localeCompare(b.status),
    );
    return { total: this.total, counts };
  }

  /** Sum of counts matching every given field. */
  count(filter: Partial<Omit<CallCount, 'count'>>): number {
    let n = 0;
    for (const c of this.counts.values()) {
      if (filter.operation !== undefined && c.operation !== filter.operation) continue;
      if (filter.scope !== undefined && c.scope !== filter.scope) continue;
      if (filter.status !== undefined && c.status !== filter.status) continue;
      n += c.count;
    }
    return n;
  }

  /** The latest `limit` entries (at most the last keepEntries), oldest first. */
  latest(limit = this.keepEntries): CallEntry[] {
    return this.entries.slice(-Math.min(limit, this.keepEntries));
  }

  clear(): void {
    this.counts.clear();
    this.entries.length = 0;
    this.total = 0;
  }
}
