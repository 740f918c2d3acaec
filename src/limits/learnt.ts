/**
 * What DotDigital has told us about an account's limits, cached per process. Two kinds of fact,
 * stored in one Redis hash per account so that every replica adopts them:
 * - `op:<class>` → the X-RateLimit-Scope that answers for that operation class; from then on
 *   the class spends the budget of that scope, shared with every class mapped to it;
 * - `limit:<scope>` → the last X-RateLimit-Limit seen for that scope.
 * Until a class's scope is known, its budget is named after the class itself and its limit is
 * the configured default.
 */
import { OPERATION_CLASSES, type OperationClass } from '../sink/rate-limit.js';

interface AccountFacts {
  readonly ops: Map<string, string>;
  readonly limits: Map<string, number>;
  loadedAtMs: number;
}

export interface LearntLimit {
  readonly account: string;
  readonly scope: string;
  readonly limit: number;
}

const OP_FIELD = 'op:';
const LIMIT_FIELD = 'limit:';

export class LearntLimits {
  private readonly accounts = new Map<string, AccountFacts>();
  private readonly overrides = new Map<string, Partial<Record<OperationClass, number>>>();

  constructor(
    private readonly defaults: Readonly<Record<OperationClass, number>>,
    private readonly refreshMs: number,
  ) {}

  scopeOf(account: string, op: OperationClass): string {
    return this.accounts.get(account)?.ops.get(op) ?? op;
  }

  /** The classes that spend the budget of a scope. */
  classesIn(account: string, scope: string): OperationClass[] {
    return OPERATION_CLASSES.filter((op) => this.scopeOf(account, op) === scope);
  }

  limitOf(account: string, scope: string, op: OperationClass): number {
    return this.accounts.get(account)?.limits.get(scope) ?? this.overrides.get(account)?.[op] ?? this.defaults[op];
  }

  /**
   * A connector's configured limits become its account's defaults (until DotDigital's headers
   * say otherwise). Connectors of one account that disagree: the lowest wins, since they share
   * the one budget and none of them should be pushed past what it was promised.
   */
  override(account: string, limits: Partial<Record<OperationClass, number>>): void {
    const current = this.overrides.get(account) ?? {};
    const next: Partial<Record<OperationClass, number>> = { ...current };
    for (const op of OPERATION_CLASSES) {
      const v = limits[op];
      if (v !== undefined) next[op] = Math.min(v, current[op] ?? v);
    }
    this.overrides.set(account, next);
  }

  isStale(account: string, nowMs: number): boolean {
    const facts = this.accounts.get(account);
    return facts === undefined || nowMs - facts.loadedAtMs >= this.refreshMs;
  }

  /** Adopts the facts read from the shared store (they win over what this process holds). */
  load(account: string, fields: Readonly<Record<string, string>>, nowMs: number): void {
    const facts = this.facts(account);
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith(OP_FIELD)) facts.ops.set(field.slice(OP_FIELD.length), value);
      else if (field.startsWith(LIMIT_FIELD)) {
        const limit = Number(value);
        if (Number.isInteger(limit) && limit > 0) facts.limits.set(field.slice(LIMIT_FIELD.length), limit);
      }
    }
    facts.loadedAtMs = nowMs;
  }

  /**
   * Records what one answer said; returns the fields that changed (to be shared), empty when
   * nothing is new. `scope` equal to the class means the answer carried no scope header.
   */
  learn(account: string, op: OperationClass, scope: string, limit: number | undefined): Record<string, string> {
    const facts = this.facts(account);
    const changed: Record<string, string> = {};
    if (scope !== op && facts.ops.get(op) !== scope) {
      facts.ops.set(op, scope);
      changed[OP_FIELD + op] = scope;
    }
    if (limit !== undefined && Number.isInteger(limit) && limit > 0 && facts.limits.get(scope) !== limit) {
      facts.limits.set(scope, limit);
      changed[LIMIT_FIELD + scope] = String(limit);
    }
    return changed;
  }

  known(): LearntLimit[] {
    const out: LearntLimit[] = [];
    for (const [account, facts] of this.accounts) {
      for (const [scope, limit] of facts.limits) out.push({ account, scope, limit });
    }
    return out;
  }

  private facts(account: string): AccountFacts {
    let facts = this.accounts.get(account);
    if (!facts) {
      facts = { ops: new Map(), limits: new Map(), loadedAtMs: Number.NEGATIVE_INFINITY };
      this.accounts.set(account, facts);
    }
    return facts;
  }
}
