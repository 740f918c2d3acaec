/**
 * Fault injection. One draw per request picks at most one request fault (connection reset,
 * hang, server error, 429 storm), within the configured endpoint families and fault budget.
 */
import type { FaultConfig, LimitScope } from './types.js';

export type RequestFault = 'reset' | 'hang' | 'serverError' | 'tooManyRequests';

const ORDER: readonly { readonly fault: RequestFault; readonly rate: keyof FaultConfig }[] = [
  { fault: 'reset', rate: 'resetRate' },
  { fault: 'hang', rate: 'hangRate' },
  { fault: 'serverError', rate: 'serverErrorRate' },
  { fault: 'tooManyRequests', rate: 'tooManyRequestsRate' },
];

export class FaultInjector {
  private config: FaultConfig = {};
  private injected = 0;

  constructor(private readonly random: () => number) {}

  get current(): FaultConfig {
    return this.config;
  }

  set(config: FaultConfig): void {
    this.config = { ...config };
    this.injected = 0;
  }

  latencyMs(): number {
    return this.config.latencyMs ?? 0;
  }

  serverErrorStatus(): number {
    return this.config.serverErrorStatus ?? 503;
  }

  pick(scope: LimitScope): RequestFault | undefined {
    const c = this.config;
    if (c.scopes !== undefined && !c.scopes.includes(scope)) return undefined;
    if (c.maxFaults !== undefined && this.injected >= c.maxFaults) return undefined;
    const draw = this.random();
    let edge = 0;
    for (const { fault, rate } of ORDER) {
      edge += (c[rate] as number | undefined) ?? 0;
      if (draw < edge) {
        this.injected++;
        return fault;
      }
    }
    return undefined;
  }
}
