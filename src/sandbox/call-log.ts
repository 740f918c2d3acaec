/** Every API call the sandbox answered: counts per (operation, scope, status) and the latest entries. */
import type { CallCount, CallEntry } from './types.js';

const KEEP_ENTRIES = 1000;

export class CallLog {
  private readonly counts = new Map<string, CallCount>();
  private readonly entries: CallEntry[] = [];
  private total = 0;

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
    if (this.entries.length > KEEP_ENTRIES) this.entries.splice(0, this.entries.length - KEEP_ENTRIES);
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

  latest(limit = KEEP_ENTRIES): CallEntry[] {
    return this.entries.slice(-limit);
  }

  clear(): void {
    this.counts.clear();
    this.entries.length = 0;
    this.total = 0;
  }
}
