/**
 * One attempt at a token on one store: add our point to our class's sub-window counter, read
 * the counters of every class that shares the scope, the cool-downs and the turn order of the
 * processes waiting for the budget, keep the point or give it back (window.ts explains why
 * this holds across replicas; budget.ts why processes take turns).
 *
 * Counters are kept per operation class, not per scope: a scope's use is the sum of its
 * classes' counters. So when a class's scope is learnt, nothing already counted is left
 * behind, and a replica that has not learnt the scope yet still counts the same counters.
 */
import type { OperationClass } from '../sink/rate-limit.js';
import type { MemoryStore } from './memory-store.js';
import type { LimiterStore } from './store.js';
import { bucketOf, countedBuckets, decide, type Decision } from './window.js';

/** The cool-down member that stops every scope of an account (flat-rate cap). */
export const WHOLE_ACCOUNT = '*';

export interface TakeRequest {
  readonly account: string;
  readonly operation: OperationClass;
  readonly scope: string;
  /** Every class that spends the scope's budget (the operation included). */
  readonly classes: readonly OperationClass[];
  readonly limit: number;
  /** This process's pump for the budget, taking turns with other processes' (budget.ts). */
  readonly pump: string;
  readonly lastServedMs: number;
}

export interface TakeDeps {
  /** This process's own grants and cool-downs (also consulted when deciding on Redis). */
  readonly mirror: MemoryStore;
  readonly now: () => number;
  readonly bucketMs: number;
  readonly subWindows: number;
  /** See options.spreadFactor. */
  readonly spreadFactor: number;
  /** A pump that has not attempted for this long is no longer waiting (its turn passes). */
  readonly turnStaleMs: number;
  readonly recordGrant: (store: LimiterStore, counterKey: string) => Promise<void>;
}

export const counterKey = (account: string, operation: OperationClass, bucket: number): string => `${account}:${operation}:${bucket}`;
export const turnKey = (account: string, scope: string): string => `${account}:${scope}`;
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

export async function takeToken(store: LimiterStore, req: TakeRequest, deps: TakeDeps): Promise<Decision> {
  const started = deps.now();
  const j = bucketOf(started, deps.bucketMs);
  const key = counterKey(req.account, req.operation, j);
  await store.add(key, 1);
  const buckets = countedBuckets(j, deps.subWindows);
  const keys = req.classes.flatMap((c) => buckets.map((b) => counterKey(req.account, c, b)));
  // Whoever sets a cool-down has just learnt the scope and sets it on the scope and on each
  // of its classes, so a replica that has not learnt the scope yet still finds it.
  const members = [WHOLE_ACCOUNT, req.scope];
  const turn = { key: turnKey(req.account, req.scope), pump: req.pump, lastServedMs: req.lastServedMs, nowMs: started, staleMs: deps.turnStaleMs };
  const snapshot = await store.read(keys, req.account, members, turn);
  const local = store === deps.mirror ? snapshot : await deps.mirror.read([], req.account, members);
  const finished = deps.now();

  let cooldownUntil = 0;
  for (const [i, member] of members.entries()) {
    const known = local.cooldownUntil[i] ?? 0;
    const until = Math.max(snapshot.cooldownUntil[i] ?? 0, known);
    // Cool-downs seen in Redis are kept locally so that an outage does not forget them.
    if (until > finished && until > known) await deps.mirror.coolDown(req.account, member, until);
    cooldownUntil = Math.max(cooldownUntil, until);
  }

  let decision: Decision;
  if (cooldownUntil > finished) decision = { granted: false, retryAtMs: cooldownUntil, certain: true };
  else if (finished - started >= deps.bucketMs) decision = { granted: false, retryAtMs: finished };
  else {
    const perBucket = buckets.map((_, i) => req.classes.reduce((total, _c, n) => total + (snapshot.counts[n * buckets.length + i] ?? 0), 0));
    const cap = deps.spreadFactor > 0 ? Math.ceil((deps.spreadFactor * req.limit) / deps.subWindows) : Infinity;
    decision = decide(perBucket, req.limit, j, deps.bucketMs, cap);
    // Tokens free now (ours included) go to the pumps whose turn it is: a pump served more
    // recently than others that wait gives its token back and lets them take it.
    const free = Math.min(req.limit - sum(perBucket) + 1, cap - (perBucket.at(-2) ?? 0) + 1);
    if (decision.granted && Math.max(0, snapshot.turnOrder.indexOf(req.pump)) >= free) {
      decision = { granted: false, retryAtMs: finished + deps.bucketMs };
    }
  }
  if (decision.granted) await deps.recordGrant(store, key);
  else await store.add(key, -1);
  return decision;
}
