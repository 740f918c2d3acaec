import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders, resetToEpochMs } from '../../../src/sink/rate-headers.js';

const NOW = 1_700_000_000_000;

describe('X-RateLimit-* headers', () => {
  it('reads a small Reset as delta seconds', () => {
    expect(
      parseRateLimitHeaders(
        {
          'x-ratelimit-limit': '75',
          'x-ratelimit-remaining': '74',
          'x-ratelimit-reset': '42',
          'x-ratelimit-scope': 'contactImport',
        },
        NOW,
      ),
    ).toEqual({
      scope: 'contactImport',
      limit: 75,
      remaining: 74,
      resetAtMs: NOW + 42_000,
    });
  });

  it('reads a Reset above 1e9 as epoch seconds', () => {
    expect(parseRateLimitHeaders({ 'x-ratelimit-reset': '1700000060' }, NOW).resetAtMs).toBe(
      1_700_000_060_000,
    );
    expect(resetToEpochMs(1e9 + 1, NOW)).toBe((1e9 + 1) * 1000);
    expect(resetToEpochMs(1e9, NOW)).toBe(NOW + 1e12);
  });

  it('matches header names in any case and takes the first of repeated values', () => {
    const parsed = parseRateLimitHeaders(
      {
        'X-RateLimit-Limit': ['150', '10'],
        'X-RATELIMIT-SCOPE': 'lowCallRate',
        'X-Ratelimit-Remaining': '0',
      },
      NOW,
    );
    expect(parsed).toEqual({ scope: 'lowCallRate', limit: 150, remaining: 0, resetAtMs: undefined });
  });

  it('ignores absent, empty and malformed values', () => {
    expect(parseRateLimitHeaders({}, NOW)).toEqual({
      scope: undefined,
      limit: undefined,
      remaining: undefined,
      resetAtMs: undefined,
    });
    expect(
      parseRateLimitHeaders(
        { 'x-ratelimit-limit': 'many', 'x-ratelimit-reset': '-3', 'x-ratelimit-scope': ' ' },
        NOW,
      ),
    ).toEqual({ scope: undefined, limit: undefined, remaining: undefined, resetAtMs: undefined });
  });

  it('falls back to Retry-After (seconds or HTTP date) only when Reset is absent', () => {
    expect(parseRateLimitHeaders({ 'retry-after': '5' }, NOW).resetAtMs).toBe(NOW + 5_000);
    expect(parseRateLimitHeaders({ 'Retry-After': 'Wed, 15 Nov 2023 00:00:00 GMT' }, NOW).resetAtMs).toBe(
      Date.parse('2023-11-15T00:00:00Z'),
    );
    expect(parseRateLimitHeaders({ 'retry-after': '5', 'x-ratelimit-reset': '10' }, NOW).resetAtMs).toBe(
      NOW + 10_000,
    );
    expect(parseRateLimitHeaders({ 'retry-after': 'soon' }, NOW).resetAtMs).toBeUndefined();
  });
});
