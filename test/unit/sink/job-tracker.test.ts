import { describe, expect, it } from 'vitest';
import { awaitRunningJobs, type JobTracker, type TrackedJob } from '../../../src/sink/job-tracker.js';

function tracker(states: TrackedJob[][]): JobTracker & { reads: number } {
  const t = {
    reads: 0,
    begin: () => Promise.reject(new Error('unused')),
    running: () => Promise.resolve(states[Math.min(t.reads++, states.length - 1)] ?? []),
  };
  return t;
}

const base = { accountId: 'a', addressBookId: 1, kind: 'import' as const, pollMs: 1, timeoutMs: 1000, now: Date.now, signal: undefined };

describe('awaitRunningJobs', () => {
  it('returns at once when nothing runs', async () => {
    const settled: string[] = [];
    await awaitRunningJobs({ ...base, tracker: tracker([[]]), settle: (id) => (settled.push(id), Promise.resolve()) });
    expect(settled).toEqual([]);
  });

  it('settles the jobs that ran at the start, waits for a placeholder to get its id, and ignores jobs started later', async () => {
    const settled: string[] = [];
    const t = tracker([
      [{ token: 'x', jobId: 'imp-1' }, { token: 'y', jobId: null }],
      [{ token: 'x', jobId: 'imp-1' }, { token: 'y', jobId: null }, { token: 'late', jobId: 'imp-9' }],
      [{ token: 'y', jobId: 'imp-2' }, { token: 'late', jobId: 'imp-9' }],
      [{ token: 'late', jobId: 'imp-9' }],
    ]);
    await awaitRunningJobs({ ...base, tracker: t, settle: (id) => (settled.push(id), Promise.resolve()) });
    expect(settled).toEqual(['imp-1', 'imp-2']);
  });

  it('gives up with a retryable timeout when a placeholder never gets an id', async () => {
    let now = 0;
    const t = tracker([[{ token: 'y', jobId: null }]]);
    const run = awaitRunningJobs({ ...base, tracker: t, settle: () => Promise.resolve(), timeoutMs: 5, now: () => (now += 2) });
    await expect(run).rejects.toMatchObject({ code: 'DD_TIMEOUT', retryable: true });
  });
});
