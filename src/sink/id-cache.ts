/**
 * Identifier → DotDigital contact id, fed by import results, read by removals (which need ids).
 * A bounded LRU on a Map (insertion order = recency). Keys include the account id because
 * contact ids are per account. Size 0 disables it.
 */
export class ContactIdCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): number | undefined {
    const id = this.entries.get(key);
    if (id === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, id);
    return id;
  }

  set(key: string, id: number): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, id);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
