/**
 * X-RateLimit-* headers. Names are matched ignoring case (HTTP/2 and the official SDK use
 * lowercase). Whether Reset is delta seconds (official SDK) or a UTC epoch (third-party summary)
 * is UNCONFIRMED, so values above 1e9 are read as epoch seconds, smaller ones as a delta.
 * No DotDigital source mentions Retry-After; should one come without a Reset, it stands in for it.
 */
export interface RateLimitHeaders {
  readonly scope: string | undefined;
  readonly limit: number | undefined;
  readonly remaining: number | undefined;
  readonly resetAtMs: number | undefined;
}

type Headers = Record<string, string | string[] | undefined>;

const EPOCH_THRESHOLD = 1e9;

function header(headers: Headers, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const v = Array.isArray(value) ? value[0] : value;
    const trimmed = v?.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  return undefined;
}

function nonNegative(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function resetToEpochMs(reset: number, nowMs: number): number {
  return reset > EPOCH_THRESHOLD ? Math.round(reset * 1000) : nowMs + Math.round(reset * 1000);
}

/** Retry-After as delta seconds or an HTTP date. */
function retryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const text = header(headers, 'retry-after');
  if (text === undefined) return undefined;
  const seconds = nonNegative(text);
  if (seconds !== undefined) return nowMs + Math.round(seconds * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : date;
}

export function parseRateLimitHeaders(headers: Headers, nowMs: number): RateLimitHeaders {
  const reset = nonNegative(header(headers, 'x-ratelimit-reset'));
  const limit = nonNegative(header(headers, 'x-ratelimit-limit'));
  const remaining = nonNegative(header(headers, 'x-ratelimit-remaining'));
  return {
    scope: header(headers, 'x-ratelimit-scope'),
    limit: limit === undefined ? undefined : Math.floor(limit),
    remaining: remaining === undefined ? undefined : Math.floor(remaining),
    resetAtMs: reset === undefined ? retryAfterMs(headers, nowMs) : resetToEpochMs(reset, nowMs),
  };
}
