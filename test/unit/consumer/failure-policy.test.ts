import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FailurePolicy } from '../../../src/consumer/failure-policy.js';
import { ALL_ERROR_CODES, SyncError } from '../../../src/errors.js';

const opts = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000, apiUsageBackoffMs: 900_000 };

describe('FailurePolicy', () => {
  it('retries transient errors with growing back-off, then dead-letters', () => {
    const p = new FailurePolicy({ ...opts, random: () => 0.999 });
    const err = new SyncError('DD_SERVER_ERROR', '503');
    const delays = [1, 2, 3].map((n) => p.decide(err, n, 0));
    expect(delays.map((d) => d.kind)).toEqual(['retry', 'retry', 'retry']);
    const ms = delays.map((d) => (d.kind === 'retry' ? d.delayMs : -1));
    expect(ms[0]).toBeLessThan(ms[1]!);
    expect(ms[1]).toBeLessThan(ms[2]!);
    expect(p.decide(err, 4, 0)).toEqual({ kind: 'dead-letter' });
  });

  it('gives permanent errors bounded retries too, then dead-letters with their code', () => {
    const p = new FailurePolicy(opts);
    const err = new SyncError('DD_INVALID_CREDENTIALS', '401');
    expect(p.decide(err, 1, 0).kind).toBe('retry');
    expect(p.decide(err, 4, 0)).toEqual({ kind: 'dead-letter' });
  });

  it('never dead-letters throttles, waits for the announced reset, and does not count them', () => {
    const p = new FailurePolicy({ ...opts, random: () => 0 });
    const d = p.decide(new SyncError('DD_RATE_LIMITED', '429', { retryAtMs: 45_000 }), 99, 5_000);
    expect(d).toEqual({ kind: 'retry', delayMs: 40_000, countsAsAttempt: false });
    const cap = p.decide(new SyncError('DD_APIUSAGE_EXCEEDED', 'cap'), 99, 0);
    expect(cap).toEqual({ kind: 'retry', delayMs: 900_000, countsAsAttempt: false });
  });

  it('abandons on shutdown so the next owner replays', () => {
    expect(new FailurePolicy(opts).decide(new SyncError('SHUTTING_DOWN', 'bye'), 1, 0)).toEqual({ kind: 'abandon' });
  });

  it('keeps back-off within [ceiling/4, ceiling] and under maxDelayMs for any attempt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const p = new FailurePolicy({ ...opts, random: () => r });
        const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
        const b = p.backoff(attempt);
        return b >= Math.floor(ceiling / 4) && b <= ceiling;
      }),
      { numRuns: 1000 },
    );
  });

  it('decides something for every code', () => {
    const p = new FailurePolicy(opts);
    for (const code of ALL_ERROR_CODES) expect(['retry', 'dead-letter', 'abandon']).toContain(p.decide(new SyncError(code, 'x'), 1, 0).kind);
  });
});
