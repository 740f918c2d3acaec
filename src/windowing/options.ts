import { ConfigError } from '../errors.js';

/** Limits of the window store; defaults follow src/config-spec.ts. */
export interface WindowingOptions {
  /** A window is due this long after it opened (its oldest entry was first consumed). */
  readonly windowMs: number;
  /** A window is due when it holds this many contacts; batches never hold more. */
  readonly maxBatchSize: number;
  /** shouldPause() once this many entries are buffered. */
  readonly maxBufferedEntries: number;
  /** shouldResume() once buffered entries are back down to this many (low-water mark). */
  readonly resumeBufferedEntries: number;
}

export const DEFAULT_WINDOWING_OPTIONS: WindowingOptions = Object.freeze({
  windowMs: 1_200_000,
  maxBatchSize: 1000,
  maxBufferedEntries: 500_000,
  resumeBufferedEntries: 400_000,
});

/** Fills in defaults and checks every limit; throws one ConfigError listing every problem. */
export function resolveWindowingOptions(options: Partial<WindowingOptions> = {}): WindowingOptions {
  const resolved: WindowingOptions = { ...DEFAULT_WINDOWING_OPTIONS, ...options };
  const problems: string[] = [];
  const positive = (name: keyof WindowingOptions, min: number): void => {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < min)
      problems.push(`${name} must be an integer >= ${min} (got ${String(value)})`);
  };
  positive('windowMs', 1);
  positive('maxBatchSize', 1);
  positive('maxBufferedEntries', 1);
  positive('resumeBufferedEntries', 0);
  if (problems.length === 0 && resolved.resumeBufferedEntries >= resolved.maxBufferedEntries) {
    problems.push(
      `resumeBufferedEntries (${resolved.resumeBufferedEntries}) must be below maxBufferedEntries (${resolved.maxBufferedEntries})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems, 'windowing options');
  return Object.freeze(resolved);
}
