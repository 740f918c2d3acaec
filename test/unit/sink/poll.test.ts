import { describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { nextPollDelay, pollJob, type PollOptions } from '../../../src/sink/poll.js';

const opts: PollOptions = {
  initialMs: 1,
  maxMs: 4,
  jobTimeoutMs: 2_000,
  now: Date.now,
  logger: silentLogger(),
};

describe('job polling', () => {
  it('waits initial, then ×2, capped at the maximum (≤ 3 polls for a job of 7 initial waits)', () => {
    const o = { initialMs: 1000, maxMs: 30_000 };
    const waits = [1000];
    while (waits.length < 8) waits.push(nextPollDelay(waits.at(-1)!, o));
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(waits[0]! + waits[1]! + waits[2]!).toBe(7000);
  });

  it('polls through transient errors until the job ends', async () => {
    const answers: (string | SyncError)[] = [
      new SyncError('DD_SERVER_ERROR', '503'),
      new SyncError('DD_TIMEOUT', 'slow'),
      'running',
      'done',
    ];
    let polls = 0;
    const result = await pollJob(
      'job',
      () => {
        polls++;
        const a = answers.shift();
        if (a instanceof SyncError) return Promise.reject(a);
        return Promise.resolve(a === 'done' ? 'finished' : undefined);
      },
      opts,
    );
    expect(result).toBe('finished');
    expect(polls).toBe(4);
  });

  it('stops at a permanent error', async () => {
    await expect(
      pollJob('job', () => Promise.reject(new SyncError('DD_INVALID_CREDENTIALS', '401')), opts),
    ).rejects.toMatchObject({ code: 'DD_INVALID_CREDENTIALS' });
  });

  it('gives up with DD_TIMEOUT after the job deadline', async () => {
    await expect(
      pollJob('job', () => Promise.resolve(undefined), { ...opts, jobTimeoutMs: 30 }),
    ).rejects.toMatchObject({ code: 'DD_TIMEOUT', retryable: true });
  });

  it('stops waiting when aborted, with the abort reason when it is a SyncError', async () => {
    const controller = new AbortController();
    const polling = pollJob(
      'job',
      () => Promise.resolve(undefined),
      { ...opts, initialMs: 10_000, maxMs: 10_000 },
      controller.signal,
    );
    controller.abort(new SyncError('SHUTTING_DOWN', 'bye'));
    await expect(polling).rejects.toMatchObject({ code: 'SHUTTING_DOWN', message: 'bye' });
    const plain = new AbortController();
    const other = pollJob(
      'job',
      () => Promise.resolve(undefined),
      { ...opts, initialMs: 10_000, maxMs: 10_000 },
      plain.signal,
    );
    plain.abort();
    await expect(other).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});
