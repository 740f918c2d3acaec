/**
 * LimiterStore on Redis: sub-window counters are rate-limiter-flexible RateLimiterRedis keys
 * (its atomic increment-with-expiry script), read back with one MGET; cool-downs are one sorted
 * set per account (member = scope, score = end), learnt facts one hash per account, turns two
 * sorted sets per budget (pump → last served, pump → last seen).
 *
 * Commands never queue while Redis is away (enableOfflineQueue: false) and time out after
 * commandTimeoutMs, so an outage surfaces as a rejected promise within that time and the
 * limiter switches to its fallback instead of waiting.
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimiterStore, StoreSnapshot, TurnRequest } from './store.js';

/** Counters only need expiry and atomic increments from the library: the sliding decision is ours. */
const COUNTER_POINTS = 1_000_000_000;

/** Raises a cool-down without shortening a later one, and keeps the set alive until its last end. */
const COOL_DOWN_LUA = `
redis.call('zadd', KEYS[1], 'GT', ARGV[1], ARGV[2])
local top = redis.call('zrange', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('pexpireat', KEYS[1], top[2])
return 1`;

export interface RedisStoreOptions {
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  /** Lifetime of a sub-window counter. */
  readonly counterTtlMs: number;
  /** Called for connection errors reported outside a command (logging only). */
  readonly onClientError?: (err: Error) => void;
}

export function createRedisClient(url: string, commandTimeoutMs: number, password?: string): Redis {
  return new Redis(url, {
    ...(password === undefined ? {} : { password }),
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(1_000, commandTimeoutMs * 4),
    maxRetriesPerRequest: 0,
    // Keep reconnecting for ever, at most once a second: the limiter's probe decides when to use it.
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
}

export class RedisStore implements LimiterStore {
  private readonly counters: RateLimiterRedis;
  private readonly prefix: string;
  private readonly firstConnect: Promise<void>;
  private readonly errorListener: (err: Error) => void;

  constructor(
    private readonly client: Redis,
    private readonly owned: boolean,
    private readonly options: RedisStoreOptions,
  ) {
    this.prefix = `${options.keyPrefix}rl:`;
    this.counters = new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `${this.prefix}n`,
      points: COUNTER_POINTS,
      duration: Math.ceil(options.counterTtlMs / 1000),
      rejectIfRedisNotReady: true,
    });
    this.errorListener = (err) => options.onClientError?.(err);
    client.on('error', this.errorListener);
    this.firstConnect = client.status === 'ready' ? Promise.resolve() : this.waitForFirstConnect();
  }

  async add(counterKey: string, points: number): Promise<void> {
    await this.connected();
    try {
      if (points >= 0) await this.counters.consume(counterKey, points);
      else await this.counters.reward(counterKey, -points);
    } catch (err) {
      // The library rejects with a RateLimiterRes only when a counter passes COUNTER_POINTS.
      throw err instanceof RateLimiterRes ? new Error('sub-window counter overflow') : err;
    }
  }

  async read(counterKeys: readonly string[], cooldownKey: string, members: readonly string[], turn?: TurnRequest): Promise<StoreSnapshot> {
    await this.connected();
    const pipeline = this.client.pipeline().zmscore(this.prefix + 'cd:' + cooldownKey, ...members);
    pipeline.mget(counterKeys.length > 0 ? counterKeys.map((k) => this.counters.getKey(k)) : ['']);
    if (turn) {
      const [served, seen] = this.turnKeys(turn.key);
      const liveSince = turn.nowMs - turn.staleMs;
      pipeline
        .zadd(served, turn.lastServedMs, turn.pump)
        .zadd(seen, turn.nowMs, turn.pump)
        .pexpire(served, Math.ceil(2 * turn.staleMs))
        .pexpire(seen, Math.ceil(2 * turn.staleMs))
        .zrange(served, 0, '-1')
        .zrangebyscore(seen, liveSince, '+inf');
    }
    const results = await pipeline.exec();
    if (results === null) throw new Error('Redis pipeline was discarded');
    const values = results.map(([err, value]) => {
      if (err) throw err;
      return value as readonly (string | null)[];
    });
    let turnOrder: string[] = [];
    if (turn) {
      const live = new Set(values[7]);
      const order = (values[6] ?? []).filter((m): m is string => m !== null);
      turnOrder = order.filter((m) => live.has(m));
      const gone = order.filter((m) => !live.has(m));
      if (gone.length > 0) await this.client.zrem(this.turnKeys(turn.key)[0], ...gone);
    }
    return {
      counts: counterKeys.length > 0 ? (values[1] ?? []).map(toNumber) : [],
      cooldownUntil: (values[0] ?? []).map(toNumber),
      turnOrder,
    };
  }

  async leave(turnKey: string, pump: string): Promise<void> {
    await this.connected();
    const [served, seen] = this.turnKeys(turnKey);
    await this.client.pipeline().zrem(served, pump).zrem(seen, pump).exec();
  }

  async coolDown(cooldownKey: string, member: string, untilMs: number): Promise<void> {
    await this.connected();
    await this.client.eval(COOL_DOWN_LUA, 1, this.prefix + 'cd:' + cooldownKey, Math.ceil(untilMs), member);
  }

  async loadLearnt(learntKey: string): Promise<Record<string, string>> {
    await this.connected();
    return this.client.hgetall(this.prefix + 'learn:' + learntKey);
  }

  async saveLearnt(learntKey: string, fields: Readonly<Record<string, string>>, ttlMs: number): Promise<void> {
    await this.connected();
    const key = this.prefix + 'learn:' + learntKey;
    const results = await this.client.multi().hset(key, fields).pexpire(key, ttlMs).exec();
    const failed = results?.find(([err]) => err !== null);
    if (results === null || failed) throw failed?.[0] ?? new Error('Redis transaction was discarded');
  }

  async time(): Promise<number> {
    await this.connected();
    const [seconds, micros] = await this.client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async ping(): Promise<void> {
    await this.connected();
    await this.client.ping();
  }

  async close(): Promise<void> {
    this.client.off('error', this.errorListener);
    if (!this.owned) return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private turnKeys(turnKey: string): [served: string, seen: string] {
    return [this.prefix + 'turn:' + turnKey, this.prefix + 'seen:' + turnKey];
  }

  private connected(): Promise<void> {
    return this.firstConnect;
  }

  /**
   * Commands wait (at most one command timeout) for the initial connection only, so that a
   * process starting up does not count its own connect as an outage; later, they fail fast.
   */
  private waitForFirstConnect(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, this.options.commandTimeoutMs);
      this.client.once('ready', done);
      if (this.client.status === 'wait') this.client.connect().catch(done);
    });
  }
}

function toNumber(value: string | null): number {
  if (value === null) return 0;
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}
