/**
 * Rate-limit accounting: fixed windows per (account, scope) for the tiered mode, one window of
 * 60 × limitWindowMs per account for the flat mode. Pure: time is passed in.
 */
import type { LimitScope, ResetHeaderForm } from './types.js';

export interface LimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  /** Calls left in the window after this one. */
  readonly remaining: number;
  readonly resetAtMs: number;
}

interface Window {
  start: number;
  count: number;
}

export class WindowCounter {
  private readonly windows = new Map<string, Window>();

  /** Counts one call if the window has room. */
  take(key: string, limit: number, windowMs: number, now: number): LimitDecision {
    const w = this.current(key, windowMs, now);
    const allowed = w.count < limit;
    if (allowed) w.count++;
    return { allowed, limit, remaining: Math.max(0, limit - w.count), resetAtMs: w.start + windowMs };
  }

  /** The window's state without counting (for 429 storms and account-info figures). */
  peek(key: string, limit: number, windowMs: number, now: number): LimitDecision {
    const w = this.current(key, windowMs, now);
    return {
      allowed: w.count < limit,
      limit,
      remaining: Math.max(0, limit - w.count),
      resetAtMs: w.start + windowMs,
    };
  }

  clear(): void {
    this.windows.clear();
  }

  private current(key: string, windowMs: number, now: number): Window {
    let w = this.windows.get(key);
    if (w === undefined || now >= w.start + windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    return w;
  }
}

export const tieredKey = (accountId: number, scope: LimitScope): string => `${accountId}|${scope}`;
export const flatKey = (accountId: number): string => `${accountId}|flat`;
export const FLAT_WINDOWS = 60;

export function rateLimitHeaders(
  decision: LimitDecision,
  scope: LimitScope,
  form: ResetHeaderForm,
  now: number,
): Record<string, string> {
  const reset =
    form === 'epoch'
      ? Math.ceil(decision.resetAtMs / 1000)
      : Math.max(1, Math.ceil((decision.resetAtMs - now) / 1000));
  return {
    'X-RateLimit-Limit': String(decision.limit),
    'X-RateLimit-Remaining': String(decision.remaining),
    'X-RateLimit-Reset': String(reset),
    'X-RateLimit-Scope': scope,
  };
}
