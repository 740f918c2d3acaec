/**
 * The JobTracker of the DotDigital client (src/sink/job-tracker.ts) on Redis: one hash per
 * (account, address book, kind), a field per job with its id (null until DotDigital answered)
 * and its expiry. Entries expire on their own (a placeholder after the request timeout, a
 * started job after the job timeout), so a process that dies leaves nothing behind for long.
 * Redis unreachable: the registry answers "nothing running" and says so once in the log — the
 * same best effort as before it existed, never a stall.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { JobHandle, JobKind, JobTracker, TrackedJob } from '../sink/job-tracker.js';

export interface JobRegistryOptions {
  readonly keyPrefix: string;
  /** How long a job whose start is not yet confirmed is waited for (request timeout + margin). */
  readonly placeholderTtlMs: number;
  /** How long a started job is waited for (the job timeout). */
  readonly jobTtlMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Entry {
  readonly jobId: string | null;
  readonly expiresAtMs: number;
}

export class RedisJobRegistry implements JobTracker {
  private readonly now: () => number;
  private warned = false;

  constructor(
    private readonly redis: Redis,
    private readonly o: JobRegistryOptions,
  ) {
    this.now = o.now ?? Date.now;
  }

  private key(accountId: string, addressBookId: number, kind: JobKind): string {
    return `${this.o.keyPrefix}jobs:${accountId}:${addressBookId}:${kind}`;
  }

  private failed(err: unknown): void {
    if (!this.warned) this.o.logger.warn({ err: (err as Error).message }, 'job registry unavailable (Redis); jobs of other processes cannot be waited for');
    this.warned = true;
  }

  private async put(key: string, token: string, entry: Entry): Promise<void> {
    try {
      await this.redis.multi().hset(key, token, JSON.stringify(entry)).pexpire(key, this.o.jobTtlMs + this.o.placeholderTtlMs).exec();
      this.warned = false;
    } catch (err) {
      this.failed(err);
    }
  }

  async begin(accountId: string, addressBookId: number, kind: JobKind): Promise<JobHandle> {
    const key = this.key(accountId, addressBookId, kind);
    const token = randomUUID();
    await this.put(key, token, { jobId: null, expiresAtMs: this.now() + this.o.placeholderTtlMs });
    return {
      started: (jobId) => this.put(key, token, { jobId, expiresAtMs: this.now() + this.o.jobTtlMs }),
      end: async () => {
        try {
          await this.redis.hdel(key, token);
        } catch (err) {
          this.failed(err);
        }
      },
    };
  }

  async running(accountId: string, addressBookId: number, kind: JobKind): Promise<TrackedJob[]> {
    let all: Record<string, string>;
    try {
      all = await this.redis.hgetall(this.key(accountId, addressBookId, kind));
    } catch (err) {
      this.failed(err);
      return [];
    }
    const now = this.now();
    const out: TrackedJob[] = [];
    for (const [token, text] of Object.entries(all)) {
      try {
        const e = JSON.parse(text) as Entry;
        if (e.expiresAtMs > now) out.push({ token, jobId: e.jobId });
      } catch {
        /* a malformed entry is ignored: it expires with the hash */
      }
    }
    return out;
  }
}
