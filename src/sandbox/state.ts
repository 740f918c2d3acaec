/**
 * Everything the sandbox knows: accounts, jobs, limit windows, faults, settings and the call
 * log, plus the control operations (also served over HTTP under /_sandbox). No I/O.
 */
import { randomUUID } from 'node:crypto';
import { Account, type IdAllocator } from './account.js';
import { CallLog } from './call-log.js';
import { FaultInjector } from './faults.js';
import { JobBoard } from './jobs.js';
import { WindowCounter } from './limits.js';
import {
  parseAccountSeed,
  parseFaults,
  parseLimits,
  parseRateMode,
  parseSettings,
  SandboxError,
} from './validate.js';
import {
  DEFAULT_SETTINGS,
  type AccountSeed,
  type FaultConfig,
  type Inspection,
  type RateMode,
  type SandboxOptions,
  type SandboxSettings,
} from './types.js';

export { SandboxError };

const FIRST_BOOK_ID = 100_000;
const FIRST_CONTACT_ID = 5_000_000;

export class SandboxState {
  readonly accounts = new Map<number, Account>();
  readonly limits = new WindowCounter();
  readonly calls: CallLog;
  readonly faults: FaultInjector;
  readonly jobs: JobBoard;
  settings: SandboxSettings;
  private readonly users = new Map<string, Account>();
  private readonly initialSeeds: readonly AccountSeed[];
  private readonly initialFaults: FaultConfig;
  private readonly initialSettings: SandboxSettings;
  private nextBook = FIRST_BOOK_ID;
  private nextContact = FIRST_CONTACT_ID;
  readonly ids: IdAllocator & { job(): string } = {
    book: () => this.nextBook++,
    contact: () => this.nextContact++,
    job: () => randomUUID(),
  };

  constructor(options: SandboxOptions, seeds: readonly AccountSeed[]) {
    const d = DEFAULT_SETTINGS;
    this.initialSettings = Object.freeze({
      importDelayMs: options.importDelayMs ?? d.importDelayMs,
      deletionDelayMs: options.deletionDelayMs ?? d.deletionDelayMs,
      limitWindowMs: options.limitWindowMs ?? d.limitWindowMs,
      resetHeaderForm: options.resetHeaderForm ?? d.resetHeaderForm,
      maxActiveImports: options.maxActiveImports ?? d.maxActiveImports,
      addressBookCreateStatus: options.addressBookCreateStatus ?? d.addressBookCreateStatus,
      defaultRateMode: options.defaultRateMode ?? d.defaultRateMode,
      defaultFlatLimitPerHour: options.defaultFlatLimitPerHour ?? d.defaultFlatLimitPerHour,
      defaultLimits: Object.freeze({ ...d.defaultLimits, ...options.defaultLimits }),
    });
    parseSettings(this.initialSettings);
    this.settings = this.initialSettings;
    this.initialSeeds = seeds;
    this.initialFaults = options.faults ?? {};
    this.calls = new CallLog(options.callLogEntries);
    this.faults = new FaultInjector(options.random ?? Math.random);
    this.jobs = new JobBoard(this.ids);
    this.reset();
  }

  /** Back to the seeds, settings and faults the sandbox started with; clears the call log. */
  reset(): void {
    this.accounts.clear();
    this.users.clear();
    this.jobs.clear();
    this.limits.clear();
    this.calls.clear();
    this.settings = this.initialSettings;
    this.nextBook = FIRST_BOOK_ID;
    this.nextContact = FIRST_CONTACT_ID;
    this.setFaults(this.initialFaults);
    for (const seed of this.initialSeeds) this.addAccount(seed);
  }

  addAccount(input: AccountSeed): Account {
    const seed = parseAccountSeed(input);
    const taken = [
      ...(this.accounts.has(seed.id) ? [`account ${seed.id} exists already`] : []),
      ...seed.apiUsers
        .filter((u) => this.users.has(u.username))
        .map((u) => `API user ${u.username} exists already`),
    ];
    if (taken.length > 0) throw new SandboxError(`invalid account seed: ${taken.join('; ')}`);
    const account = new Account(seed, this.ids, {
      limits: this.settings.defaultLimits,
      rateMode: this.settings.defaultRateMode,
      flatLimitPerHour: this.settings.defaultFlatLimitPerHour,
    });
    this.accounts.set(account.id, account);
    for (const username of account.users.keys()) this.users.set(username, account);
    return account;
  }

  authenticate(username: string, password: string): Account | undefined {
    const account = this.users.get(username);
    return account?.users.get(username) === password ? account : undefined;
  }

  setFaults(config: FaultConfig): void {
    this.faults.set(parseFaults(config));
  }

  setSettings(patch: Partial<Omit<SandboxSettings, 'defaultLimits'>>): void {
    const next = parseSettings({ ...this.settings, ...patch, defaultLimits: this.settings.defaultLimits });
    if (next.limitWindowMs !== this.settings.limitWindowMs) this.limits.clear();
    this.settings = next;
  }

  setLimit(accountId: number, scope: string, perMinute: number): void {
    const account = this.account(accountId);
    Object.assign(account.limits, parseLimits({ [scope]: perMinute }));
  }

  setRateMode(accountId: number, mode: RateMode, flatLimitPerHour?: number): void {
    const account = this.account(accountId);
    const checked = parseRateMode(mode);
    if (flatLimitPerHour !== undefined && (!Number.isInteger(flatLimitPerHour) || flatLimitPerHour < 1))
      throw new SandboxError('flatLimitPerHour must be a positive integer');
    account.rateMode = checked;
    if (flatLimitPerHour !== undefined) account.flatLimitPerHour = flatLimitPerHour;
  }

  account(accountId: number): Account {
    const account = this.accounts.get(accountId);
    if (account === undefined) throw new SandboxError(`no account ${accountId}`);
    return account;
  }

  inspect(now: number): Inspection {
    this.jobs.settle(now);
    return {
      accounts: [...this.accounts.values()].map((a) => ({
        id: a.id,
        region: a.region,
        rateMode: a.rateMode,
        limits: { ...a.limits },
        contacts: a.contacts.size,
        activeImports: this.jobs.activeImports(a.id),
        books: [...a.books.values()].map((b) => ({
          id: b.id,
          name: b.name,
          visibility: b.visibility,
          members: [...b.members].flatMap((id) => {
            const c = a.contacts.get(id);
            return c === undefined ? [] : [{ contactId: id, ...a.identifiersOf(c) }];
          }),
        })),
      })),
      calls: this.calls.summary(),
    };
  }
}
