/**
 * Polls an asynchronous DotDigital job (v3 import, v2 bulk deletion) until a terminal state.
 * Waits grow ×2 from pollInitialMs up to pollMaxMs, so a job of a few seconds takes ≤ 3 polls.
 * Transient poll errors (5xx, timeouts, 429 ...) do not end the wait: the job runs on at
 * DotDigital whatever our poll saw. Permanent ones (401, 404 ...) and the deadline do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncError, toSyncError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface PollOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly jobTimeoutMs: number;
  readonly now: () => number;
  readonly logger: Logger;
}

export const POLL_GROWTH = 2;

export function nextPollDelay(previousMs: number, options: Pick<PollOptions, 'initialMs' | 'maxMs'>): number {
  return Math.min(options.maxMs, Math.max(options.initialMs, Math.round(previousMs * POLL_GROWTH)));
}

/** `check` returns the terminal result, or undefined while the job runs. */
export async function pollJob<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: PollOptions,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = options.now() + options.jobTimeoutMs;
  let delay = Math.min(options.initialMs, options.maxMs);
  for (;;) {
    const remaining = deadline - options.now();
    if (remaining <= 0)
      throw new SyncError('DD_TIMEOUT', `${what}: not finished within ${options.jobTimeoutMs} ms`);
    await wait(Math.min(delay, remaining), signal, what);
    let next = nextPollDelay(delay, options);
    try {
      const result = await check();
      if (result !== undefined) return result;
    } catch (err) {
      const error = toSyncError(err);
      if (!error.retryable || error.code === 'SHUTTING_DOWN') throw error;
      options.logger.debug({ code: error.code, job: what }, 'transient error while polling; polling on');
      if (error.retryAtMs !== undefined) next = Math.max(next, error.retryAtMs - options.now());
    }
    delay = next;
  }
}

async function wait(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  try {
    await sleep(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (err) {
    const reason: unknown = signal?.reason;
    throw reason instanceof SyncError
      ? reason
      : new SyncError('SHUTTING_DOWN', `${what}: aborted while polling`, { cause: err });
  }
}
