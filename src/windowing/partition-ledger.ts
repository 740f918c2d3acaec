/**
 * The offsets of one partition seen in the current generation that are not yet final, kept in
 * three parallel ring buffers (offset, first-seen time, final flag) in offset order. Offsets
 * arrive in increasing order, so a push is O(1); most outcomes land on the slot that the offset's
 * distance from the head predicts (contiguous offsets), else a binary search finds it (gaps from
 * compaction or transaction markers). Final offsets at the head are trimmed at once, so the head
 * is always the lowest pending offset: the one commits wait for.
 */

/** First-seen times carried into the next generation: offsets in increasing order. */
export interface SeenHistory {
  readonly offsets: Float64Array;
  readonly seenAtMs: Float64Array;
}

const INITIAL_CAPACITY = 256;

export class PartitionLedger {
  private offsets = new Float64Array(INITIAL_CAPACITY);
  private seenAt = new Float64Array(INITIAL_CAPACITY);
  private final = new Uint8Array(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  private head = 0;
  private size = 0;
  private pendingCount = 0;
  /** Last seen offset + 1; -1 before the first record of this generation. */
  private next = -1;
  private history: SeenHistory | null;
  private historyCursor = 0;

  constructor(history: SeenHistory | null = null) {
    this.history = history !== null && history.offsets.length > 0 ? history : null;
  }

  /** Offsets seen and not yet final. */
  get pending(): number {
    return this.pendingCount;
  }

  /**
   * Records a consumed offset. Returns when the record was first consumed (now, or earlier when
   * the previous generation of this process had consumed it already), or -1 when the offset was
   * seen already in this generation (a re-delivery within one generation: the first copy will
   * produce the outcome, so the caller drops this one).
   */
  seen(offset: number, nowMs: number): number {
    if (offset < this.next) return -1;
    const firstSeenMs = this.history === null ? nowMs : this.recall(offset, nowMs);
    if (this.size === this.mask + 1) this.grow();
    const slot = (this.head + this.size) & this.mask;
    this.offsets[slot] = offset;
    this.seenAt[slot] = firstSeenMs;
    this.final[slot] = 0;
    this.size++;
    this.pendingCount++;
    this.next = offset + 1;
    return firstSeenMs;
  }

  /** Marks an offset final; false when it is not pending (unknown, or final already). */
  markFinal(offset: number): boolean {
    if (this.size === 0) return false;
    const slot = this.find(offset);
    if (slot < 0 || this.final[slot] === 1) return false;
    this.final[slot] = 1;
    this.pendingCount--;
    if (slot === this.head) {
      while (this.size > 0 && this.final[this.head] === 1) {
        this.head = (this.head + 1) & this.mask;
        this.size--;
      }
    }
    return true;
  }

  /** The offset to commit: the lowest pending one, else last seen + 1; undefined before any record. */
  committable(): number | undefined {
    if (this.next < 0) return undefined;
    return this.size > 0 ? this.offsets[this.head] : this.next;
  }

  /** When the lowest pending offset was first consumed; undefined when none is pending. */
  oldestPendingSeenMs(): number | undefined {
    return this.size > 0 ? this.seenAt[this.head] : undefined;
  }

  /**
   * First-seen times for the next generation: every offset from the lowest pending one on (those
   * are the ones the next generation re-consumes), plus what this generation had not re-consumed
   * yet of its own history, so that repeated rebalances keep the original times.
   */
  carryOver(): SeenHistory | null {
    const rest = this.history === null ? 0 : this.history.offsets.length - this.historyCursor;
    const n = this.size + rest;
    if (n === 0) return null;
    const offsets = new Float64Array(n);
    const seenAtMs = new Float64Array(n);
    for (let i = 0; i < this.size; i++) {
      const slot = (this.head + i) & this.mask;
      offsets[i] = this.offsets[slot] as number;
      seenAtMs[i] = this.seenAt[slot] as number;
    }
    if (this.history !== null) {
      offsets.set(this.history.offsets.subarray(this.historyCursor), this.size);
      seenAtMs.set(this.history.seenAtMs.subarray(this.historyCursor), this.size);
    }
    return { offsets, seenAtMs };
  }

  private recall(offset: number, nowMs: number): number {
    const history = this.history as SeenHistory;
    const offsets = history.offsets;
    let i = this.historyCursor;
    while (i < offsets.length && (offsets[i] as number) < offset) i++;
    let firstSeenMs = nowMs;
    if (i < offsets.length && offsets[i] === offset) {
      firstSeenMs = Math.min(nowMs, history.seenAtMs[i] as number);
      i++;
    }
    if (i >= offsets.length) this.history = null;
    this.historyCursor = i;
    return firstSeenMs;
  }

  /** The slot holding `offset`, or -1. */
  private find(offset: number): number {
    const first = this.offsets[this.head] as number;
    const distance = offset - first;
    if (distance < 0) return -1;
    if (distance < this.size) {
      const guess = (this.head + distance) & this.mask;
      if (this.offsets[guess] === offset) return guess;
    }
    // Gaps: the offset, if tracked, sits at a logical index below its distance from the head.
    let lo = 0;
    let hi = Math.min(distance, this.size - 1);
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const slot = (this.head + mid) & this.mask;
      const value = this.offsets[slot] as number;
      if (value === offset) return slot;
      if (value < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const offsets = new Float64Array(capacity);
    const seenAt = new Float64Array(capacity);
    const final = new Uint8Array(capacity);
    for (let i = 0; i < this.size; i++) {
      const slot = (this.head + i) & this.mask;
      offsets[i] = this.offsets[slot] as number;
      seenAt[i] = this.seenAt[slot] as number;
      final[i] = this.final[slot] as number;
    }
    this.offsets = offsets;
    this.seenAt = seenAt;
    this.final = final;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
