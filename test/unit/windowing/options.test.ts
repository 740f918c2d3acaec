import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { DEFAULT_WINDOWING_OPTIONS, resolveWindowingOptions } from '../../../src/windowing/options.js';

describe('resolveWindowingOptions', () => {
  it('fills in the documented defaults', () => {
    expect(resolveWindowingOptions()).toEqual({
      windowMs: 1_200_000,
      maxBatchSize: 1000,
      maxBufferedEntries: 500_000,
      resumeBufferedEntries: 400_000,
    });
    expect(resolveWindowingOptions({ windowMs: 5 })).toEqual({ ...DEFAULT_WINDOWING_OPTIONS, windowMs: 5 });
  });

  it('accepts a low-water mark of 0', () => {
    expect(
      resolveWindowingOptions({ maxBufferedEntries: 1, resumeBufferedEntries: 0 }).resumeBufferedEntries,
    ).toBe(0);
  });

  it('lists every problem in one ConfigError', () => {
    let error: unknown;
    try {
      resolveWindowingOptions({
        windowMs: 0,
        maxBatchSize: 1.5,
        maxBufferedEntries: Number.NaN,
        resumeBufferedEntries: -1,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/windowMs.*maxBatchSize.*maxBufferedEntries.*resumeBufferedEntries/s);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
  });

  it('requires the low-water mark below the maximum', () => {
    expect(() => resolveWindowingOptions({ maxBufferedEntries: 10, resumeBufferedEntries: 10 })).toThrow(
      /resumeBufferedEntries \(10\) must be below maxBufferedEntries \(10\)/,
    );
  });
});
