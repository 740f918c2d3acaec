/**
 * The limiter's view of its shared state: the one interface between the limiting logic and
 * Redis. Two adapters: RedisStore (shared by every replica) and MemoryStore (this process
 * only: the outage fallback, and the mirror of this process's own grants).
 */

export interface StoreSnapshot {
  /** The value of each counter key asked for; 0 when absent. */
  readonly counts: readonly number[];
  /** The cool-down end (epoch ms) of each member asked for; 0 when none. */
  readonly cooldownUntil: readonly number[];
  /** With a TurnRequest: the live waiting pumps of the budget, least recently served first. */
  readonly turnOrder: readonly string[];
}

/**
 * Registers a process's pump as waiting for a budget (budget.ts): the pumps take turns, the
 * one served longest ago first. A pump not seen for staleMs (gone, or idle) loses its turn.
 */
export interface TurnRequest {
  readonly key: string;
  readonly pump: string;
  /** When this pump last got a token; 0 if never. */
  readonly lastServedMs: number;
  readonly nowMs: number;
  readonly staleMs: number;
}

export interface LimiterStore {
  /**
   * Adds points (negative: gives them back) to a sub-window counter. A counter lives long
   * enough to be counted by every sliding window that covers its sub-window, then expires.
   */
  add(counterKey: string, points: number): Promise<void>;
  /** Reads counters and cool-downs (and registers a pump for its turn) in one round trip. */
  read(counterKeys: readonly string[], cooldownKey: string, members: readonly string[], turn?: TurnRequest): Promise<StoreSnapshot>;
  /** The pump has nobody waiting any more: it stops taking turns. */
  leave(turnKey: string, pump: string): Promise<void>;
  /** Sets a cool-down of one member; never shortens a longer one already set. */
  coolDown(cooldownKey: string, member: string, untilMs: number): Promise<void>;
  /** Learnt facts of one account as field → value. */
  loadLearnt(learntKey: string): Promise<Record<string, string>>;
  saveLearnt(learntKey: string, fields: Readonly<Record<string, string>>, ttlMs: number): Promise<void>;
  /** The store's clock (epoch ms): every replica bins its grants into sub-windows by it. */
  time(): Promise<number>;
  /** Resolves when the store answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
