import { describe, expect, it } from 'vitest';
import { rateLimitHeaders, WindowCounter } from '../../../src/sandbox/limits.js';

describe('WindowCounter', () => {
  it('allows `limit` calls per window, then refuses until the window ends', () => {
    const c = new WindowCounter();
    const decisions = [0, 10, 20, 30].map((t) => c.take('a|contactImport', 3, 1_000, t));
    expect(decisions.map((d) => [d.allowed, d.remaining, d.resetAtMs])).toEqual([
      [true, 2, 1_000],
      [true, 1, 1_000],
      [true, 0, 1_000],
      [false, 0, 1_000],
    ]);
    expect(c.take('a|contactImport', 3, 1_000, 1_000)).toMatchObject({
      allowed: true,
      remaining: 2,
      resetAtMs: 2_000,
    });
  });

  it('counts each key on its own and peeks without counting', () => {
    const c = new WindowCounter();
    c.take('a|x', 2, 1_000, 0);
    expect(c.peek('a|x', 2, 1_000, 5)).toMatchObject({ allowed: true, remaining: 1 });
    expect(c.peek('a|x', 2, 1_000, 5)).toMatchObject({ remaining: 1 });
    expect(c.take('b|x', 2, 1_000, 5)).toMatchObject({ remaining: 1 });
    c.clear();
    expect(c.peek('a|x', 2, 1_000, 5)).toMatchObject({ remaining: 2 });
  });

  it('refuses everything at a limit of 0', () => {
    expect(new WindowCounter().take('k', 0, 1_000, 0)).toMatchObject({ allowed: false, remaining: 0 });
  });
});

describe('rate-limit headers', () => {
  const decision = { allowed: true, limit: 75, remaining: 10, resetAtMs: 1_700_000_030_500 };

  it('writes Reset as delta seconds (at least 1)', () => {
    expect(rateLimitHeaders(decision, 'contactImport', 'delta', 1_700_000_000_000)).toEqual({
      'X-RateLimit-Limit': '75',
      'X-RateLimit-Remaining': '10',
      'X-RateLimit-Reset': '31',
      'X-RateLimit-Scope': 'contactImport',
    });
    expect(rateLimitHeaders(decision, 'contactImport', 'delta', 1_700_000_030_400)['X-RateLimit-Reset']).toBe(
      '1',
    );
  });

  it('writes Reset as epoch seconds', () => {
    expect(rateLimitHeaders(decision, 'jobStatus', 'epoch', 0)['X-RateLimit-Reset']).toBe('1700000031');
  });
});
