/**
 * Shapes of the DotDigital sandbox: seeds, options, faults, settings and the inspection view.
 * The sandbox models the real API on its own; it shares no types with src/sink.
 */
export const REGION_IDS = ['r1', 'r2', 'r3'] as const;
export type RegionId = (typeof REGION_IDS)[number];

export type RateMode = 'tiered' | 'flat';
export type ResetHeaderForm = 'delta' | 'epoch';

/**
 * Rate-limit scope of each endpoint family (sent as X-RateLimit-Scope). DotDigital's real scope
 * values are UNCONFIRMED; these are the sandbox's own names, one budget per family.
 */
export const LIMIT_SCOPES = [
  'accountInfo',
  'addressBooks',
  'contactImport',
  'contactDelete',
  'contactLookup',
  'jobStatus',
] as const;
export type LimitScope = (typeof LIMIT_SCOPES)[number];

/** Requests per limit window (a minute unless limitWindowMs scales it). */
export const DEFAULT_LIMITS: Readonly<Record<LimitScope, number>> = Object.freeze({
  accountInfo: 120,
  addressBooks: 120,
  contactImport: 75,
  contactDelete: 35,
  contactLookup: 600,
  jobStatus: 1000,
});

export interface ApiUserSeed {
  readonly username: string;
  readonly password: string;
}

export interface AccountSeed {
  readonly id: number;
  readonly region: RegionId;
  readonly apiUsers: readonly ApiUserSeed[];
  readonly name?: string;
  readonly addressBooks?: readonly { readonly name: string; readonly visibility?: 'Private' | 'Public' }[];
  readonly limits?: Partial<Record<LimitScope, number>>;
  readonly rateMode?: RateMode;
  readonly flatLimitPerHour?: number;
  readonly suppressedEmails?: readonly string[];
}

export type ImportEndStatus = 'Failed' | 'RejectedByWatchdog' | 'ExceedsAllowedContactLimit';

export interface FaultConfig {
  /** Added before every API answer (faults included). */
  readonly latencyMs?: number;
  /** Probabilities in [0, 1], drawn once per request in this order. */
  readonly resetRate?: number;
  readonly hangRate?: number;
  readonly serverErrorRate?: number;
  readonly tooManyRequestsRate?: number;
  /** Status of injected server errors (default 503). */
  readonly serverErrorStatus?: number;
  /** Imports / deletions started while set end in this status, with no effect. */
  readonly importStatus?: ImportEndStatus;
  readonly deletionStatus?: 'Failed';
  /** Only requests of these endpoint families get request faults (default: all). */
  readonly scopes?: readonly LimitScope[];
  /** Request faults stop after this many (latency and job statuses are not counted). */
  readonly maxFaults?: number;
}

export interface SandboxSettings {
  readonly importDelayMs: number;
  readonly deletionDelayMs: number;
  /** Length of a rate-limit window; flat mode counts over 60 windows (an hour by default). */
  readonly limitWindowMs: number;
  readonly resetHeaderForm: ResetHeaderForm;
  readonly maxActiveImports: number;
  /** 200 or 201: which the live API returns on create is UNCONFIRMED, so both can be served. */
  readonly addressBookCreateStatus: 200 | 201;
  readonly defaultRateMode: RateMode;
  readonly defaultFlatLimitPerHour: number;
  readonly defaultLimits: Readonly<Record<LimitScope, number>>;
}

export const DEFAULT_SETTINGS: SandboxSettings = Object.freeze({
  importDelayMs: 2000,
  deletionDelayMs: 1000,
  limitWindowMs: 60_000,
  resetHeaderForm: 'delta',
  maxActiveImports: 25,
  addressBookCreateStatus: 201,
  defaultRateMode: 'tiered',
  defaultFlatLimitPerHour: 2000,
  defaultLimits: DEFAULT_LIMITS,
});

export interface SandboxOptions extends Partial<Omit<SandboxSettings, 'defaultLimits'>> {
  readonly port?: number;
  readonly host?: string;
  readonly accounts?: readonly AccountSeed[];
  readonly faults?: FaultConfig;
  readonly defaultLimits?: Partial<Record<LimitScope, number>>;
  /** Call-log entries kept for calls() (counts are kept for every call); default 100 000. */
  readonly callLogEntries?: number;
  /** [0, 1) source for fault draws; injectable for deterministic tests. */
  readonly random?: () => number;
  readonly now?: () => number;
}

export interface CallCount {
  readonly operation: string;
  readonly scope: string;
  readonly status: string;
  readonly count: number;
}

export interface CallEntry {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly operation: string;
  readonly scope: string;
  readonly status: string;
  readonly accountId: number | undefined;
}

export interface BookView {
  readonly id: number;
  readonly name: string;
  readonly visibility: string;
  readonly members: readonly {
    readonly contactId: number;
    readonly email?: string;
    readonly mobileNumber?: string;
  }[];
}

export interface Inspection {
  readonly accounts: readonly {
    readonly id: number;
    readonly region: RegionId;
    readonly rateMode: RateMode;
    readonly limits: Readonly<Record<LimitScope, number>>;
    readonly contacts: number;
    readonly activeImports: number;
    readonly books: readonly BookView[];
  }[];
  readonly calls: { readonly total: number; readonly counts: readonly CallCount[] };
}
