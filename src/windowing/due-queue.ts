/** What the due queue orders: earliest `dueAtMs` first, then lowest `seq` (creation order). */
export interface Queued {
  dueAtMs: number;
  readonly seq: number;
  /** Position in the queue, -1 when not queued; owned by the queue. */
  heapIndex: number;
}

/** A binary min-heap that knows each item's position, so items can move up or leave in O(log n). */
export class DueQueue<T extends Queued> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): T | undefined {
    return this.heap[0];
  }

  /** Every queued item, in no particular order. */
  items(): readonly T[] {
    return this.heap;
  }

  push(item: T): void {
    item.heapIndex = this.heap.length;
    this.heap.push(item);
    this.up(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.heap[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  remove(item: T): void {
    if (item.heapIndex >= 0) this.removeAt(item.heapIndex);
  }

  /** Call after an item's dueAtMs went down. */
  moved(item: T): void {
    if (item.heapIndex >= 0) this.up(item.heapIndex);
  }

  clear(): void {
    for (const item of this.heap) item.heapIndex = -1;
    this.heap.length = 0;
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const item = heap[index] as T;
    const last = heap.pop() as T;
    item.heapIndex = -1;
    if (last === item) return;
    heap[index] = last;
    last.heapIndex = index;
    this.up(index);
    this.down(last.heapIndex);
  }

  private up(index: number): void {
    const heap = this.heap;
    const item = heap[index] as T;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as T;
      if (!before(item, parent)) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = item;
    item.heapIndex = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const item = heap[index] as T;
    const n = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right] as T, heap[left] as T) ? right : left;
      const childItem = heap[child] as T;
      if (!before(childItem, item)) break;
      heap[index] = childItem;
      childItem.heapIndex = index;
      index = child;
    }
    heap[index] = item;
    item.heapIndex = index;
  }
}

function before(a: Queued, b: Queued): boolean {
  return a.dueAtMs < b.dueAtMs || (a.dueAtMs === b.dueAtMs && a.seq < b.seq);
}
