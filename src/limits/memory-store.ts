/**
 * LimiterStore in this process only (rate-limiter-flexible RateLimiterMemory for the counters).
 * The limiter keeps one at all times: it mirrors this process's own grants and cool-downs, so
 * that when Redis goes away the fallback already knows what this process spent recently.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { LimiterStore, StoreSnapshot, TurnRequest } from './store.js';

const COUNTER_POINTS = 1_000_000_000;

export interface CounterRecord {
  readonly key: string;
  readonly value: number;
}

export class MemoryStore implements LimiterStore {
  private readonly counters: RateLimiterMemory;
  private readonly cooldowns = new Map<string, Map<string, number>>();
  private readonly learnt = new Map<string, { fields: Record<string, string>; expiresAt: number }>();
  private readonly turns = new Map<string, Map<string, { served: number; seen: number }>>();

  constructor(
    counterTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.counters = new RateLimiterMemory({ keyPrefix: '', points: COUNTER_POINTS, duration: Math.ceil(counterTtlMs / 1000) });
  }

  async add(counterKey: string, points: number): Promise<void> {
    if (points >= 0) await this.counters.consume(counterKey, points);
    else await this.counters.reward(counterKey, -points);
  }

  async read(counterKeys: readonly string[], cooldownKey: string, members: readonly string[], turn?: TurnRequest): Promise<StoreSnapshot> {
    const records = await Promise.all(counterKeys.map((k) => this.counters.get(k)));
    const cooldowns = this.cooldowns.get(cooldownKey);
    return {
      counts: records.map((r) => r?.consumedPoints ?? 0),
      cooldownUntil: members.map((m) => cooldowns?.get(m) ?? 0),
      turnOrder: turn ? this.takeTurn(turn) : [],
    };
  }

  leave(turnKey: string, pump: string): Promise<void> {
    this.turns.get(turnKey)?.delete(pump);
    return Promise.resolve();
  }

  private takeTurn(turn: TurnRequest): string[] {
    let pumps = this.turns.get(turn.key);
    if (!pumps) {
      pumps = new Map();
      this.turns.set(turn.key, pumps);
    }
    pumps.set(turn.pump, { served: turn.lastServedMs, seen: turn.nowMs });
    for (const [pump, p] of pumps) if (p.seen < turn.nowMs - turn.staleMs) pumps.delete(pump);
    return [...pumps.entries()].sort(([a, x], [b, y]) => x.served - y.served || (a < b ? -1 : 1)).map(([pump]) => pump);
  }

  coolDown(cooldownKey: string, member: string, untilMs: number): Promise<void> {
    const now = this.now();
    let members = this.cooldowns.get(cooldownKey);
    if (!members) {
      members = new Map();
      this.cooldowns.set(cooldownKey, members);
    }
    for (const [m, until] of members) if (until <= now) members.delete(m);
    members.set(member, Math.max(untilMs, members.get(member) ?? 0));
    return Promise.resolve();
  }

  /** Every live cool-down as [cooldownKey, member, untilMs]. */
  activeCooldowns(): [string, string, number][] {
    const now = this.now();
    const out: [string, string, number][] = [];
    for (const [key, members] of this.cooldowns) {
      for (const [member, until] of members) if (until > now) out.push([key, member, until]);
    }
    return out;
  }

  loadLearnt(learntKey: string): Promise<Record<string, string>> {
    const entry = this.learnt.get(learntKey);
    return Promise.resolve(entry && entry.expiresAt > this.now() ? { ...entry.fields } : {});
  }

  saveLearnt(learntKey: string, fields: Readonly<Record<string, string>>, ttlMs: number): Promise<void> {
    const entry = this.learnt.get(learntKey);
    const kept = entry && entry.expiresAt > this.now() ? entry.fields : {};
    this.learnt.set(learntKey, { fields: { ...kept, ...fields }, expiresAt: this.now() + ttlMs });
    return Promise.resolve();
  }

  /** The live counters (for handing grants made during an outage over to Redis). */
  counterRecords(): CounterRecord[] {
    const now = this.now();
    return this.counters
      .dump()
      .storage.filter((r) => r.value !== 0 && (r.expiresAt === null || r.expiresAt > now))
      .map((r) => ({ key: String(r.key), value: r.value }));
  }

  time(): Promise<number> {
    return Promise.resolve(this.now());
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
