/**
 * The sliding-window arithmetic (pure). Time is cut into sub-windows of bucketMs = W / k; each
 * grant is counted in the sub-window where its attempt started. An attempt that started in
 * sub-window j counts the sub-windows j-k-1 … j+1:
 * - j-k-1 … j cover [t - W - bucketMs, t], so a grant whose promise resolved up to one
 *   sub-window after its attempt started is still counted by every later attempt whose
 *   W-long window it falls in;
 * - j+1 catches a replica that started its attempt in the next sub-window while this one
 *   was reading (attempts that take a sub-window or longer are discarded by the caller).
 * Every attempt first adds itself, then reads, and keeps its token only if the sum is within
 * the limit, else gives it back; of the grants inside any W-long window, the one that read
 * last saw all the others, so no W-long window holds more than the limit.
 * The price of the margin: a token is held for up to W + 2·bucketMs instead of W.
 *
 * Optionally a sub-window may hold at most a cap: a window's budget is then spent over
 * several sub-windows instead of all at once, so tokens come free a few at a time and every
 * waiting replica gets a turn soon (an even-spacing bound on top of the sliding window).
 */

export type Decision =
  | { readonly granted: true }
  /** `certain`: no token before retryAtMs whatever others do (a cool-down), not an estimate. */
  | { readonly granted: false; readonly retryAtMs: number; readonly certain?: boolean };

export function bucketOf(timeMs: number, bucketMs: number): number {
  return Math.floor(timeMs / bucketMs);
}

/** The sub-windows counted by an attempt in sub-window j, oldest first. */
export function countedBuckets(j: number, subWindows: number): number[] {
  const out: number[] = [];
  for (let i = j - subWindows - 1; i <= j + 1; i++) out.push(i);
  return out;
}

/**
 * Whether an attempt in sub-window j keeps its token, given the counts of countedBuckets(j)
 * (its own point included) and the most one sub-window may hold. When it does not, the
 * earliest time at which it could: the next sub-window when only the cap stood in the way,
 * else when enough old sub-windows will have left the window for one more grant.
 */
export function decide(counts: readonly number[], limit: number, j: number, bucketMs: number, subWindowCap = Infinity): Decision {
  const total = counts.reduce((a, b) => a + b, 0);
  const own = counts[counts.length - 2] ?? 0;
  if (total <= limit && own <= subWindowCap) return { granted: true };
  let retryAtMs = own > subWindowCap ? (j + 1) * bucketMs : 0;
  if (total > limit) {
    // Without our own point (in sub-window j, second to last), until enough old ones leave.
    const others = counts.map((c, i) => (i === counts.length - 2 ? c - 1 : c));
    let left = total - 1;
    let dropped = 0;
    while (left > limit - 1 && dropped < others.length) {
      left -= others[dropped] ?? 0;
      dropped++;
    }
    // Sub-window i stops being counted once attempts start in i + k + 2; the oldest counted
    // one is j - k - 1, so dropping `dropped` of them takes until sub-window j + dropped.
    retryAtMs = Math.max(retryAtMs, (j + dropped) * bucketMs);
  }
  return { granted: false, retryAtMs };
}
