import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../../src/sandbox/faults.js';

function draws(...values: number[]): () => number {
  return () => values.shift() ?? 0.999;
}

describe('FaultInjector', () => {
  it('picks by cumulative probability in the order reset, hang, server error, 429', () => {
    const f = new FaultInjector(draws(0.05, 0.15, 0.25, 0.35, 0.45));
    f.set({ resetRate: 0.1, hangRate: 0.1, serverErrorRate: 0.1, tooManyRequestsRate: 0.1 });
    expect([1, 2, 3, 4, 5].map(() => f.pick('contactImport'))).toEqual([
      'reset',
      'hang',
      'serverError',
      'tooManyRequests',
      undefined,
    ]);
  });

  it('limits faults to the chosen endpoint families and to a budget', () => {
    const f = new FaultInjector(() => 0);
    f.set({ serverErrorRate: 1, scopes: ['jobStatus'], maxFaults: 2 });
    expect(f.pick('contactImport')).toBeUndefined();
    expect([f.pick('jobStatus'), f.pick('jobStatus'), f.pick('jobStatus')]).toEqual([
      'serverError',
      'serverError',
      undefined,
    ]);
    f.set({ serverErrorRate: 1, maxFaults: 1 });
    expect(f.pick('contactImport')).toBe('serverError');
  });

  it('injects nothing without faults, and reports latency and status', () => {
    const f = new FaultInjector(() => 0);
    expect(f.pick('accountInfo')).toBeUndefined();
    expect([f.latencyMs(), f.serverErrorStatus()]).toEqual([0, 503]);
    f.set({ latencyMs: 25, serverErrorStatus: 500 });
    expect([f.latencyMs(), f.serverErrorStatus()]).toEqual([25, 500]);
  });
});
