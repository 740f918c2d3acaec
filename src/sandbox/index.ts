/**
 * The DotDigital sandbox: a local simulator of the DotDigital API for tests and the demo.
 * `startSandbox()` listens on one port; each region has its own base URL under it
 * (`http://host:port/r1`, `/r2`, `/r3`), and /_sandbox serves control and inspection.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SEED } from './default-seed.js';
import { createRouter } from './router.js';
import { SandboxState } from './state.js';
import type {
  AccountSeed,
  CallEntry,
  FaultConfig,
  Inspection,
  RateMode,
  RegionId,
  SandboxOptions,
  SandboxSettings,
} from './types.js';

export * from './types.js';
export { DEFAULT_SEED } from './default-seed.js';
export { SandboxError } from './state.js';

export interface SandboxControl {
  setFaults(faults: FaultConfig): void;
  clearFaults(): void;
  setSettings(patch: Partial<Omit<SandboxSettings, 'defaultLimits'>>): void;
  setLimit(accountId: number, scope: string, perMinute: number): void;
  setRateMode(accountId: number, mode: RateMode, flatLimitPerHour?: number): void;
  addAccount(seed: AccountSeed): void;
  reset(): void;
}

export interface Sandbox {
  /** Base URL of r1: where clients call account-info. */
  readonly r1BaseUrl: string;
  baseUrl(region: RegionId): string;
  readonly controlUrl: string;
  readonly control: SandboxControl;
  inspect(): Inspection;
  /** Latest API calls, oldest first. */
  calls(limit?: number): CallEntry[];
  /** Sum of logged calls matching the given operation / scope / status. */
  callCount(filter: { operation?: string; scope?: string; status?: string }): number;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const now = options.now ?? Date.now;
  const state = new SandboxState(options, options.accounts ?? DEFAULT_SEED);
  const hung = new Set<ServerResponse>();
  const server = createServer(createRouter({ state, now, hung }));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const baseUrl = (region: RegionId): string => `${origin}/${region}`;
  return {
    r1BaseUrl: baseUrl('r1'),
    baseUrl,
    controlUrl: `${origin}/_sandbox`,
    control: {
      setFaults: (faults) => state.setFaults(faults),
      clearFaults: () => state.setFaults({}),
      setSettings: (patch) => state.setSettings(patch),
      setLimit: (accountId, scope, perMinute) => state.setLimit(accountId, scope, perMinute),
      setRateMode: (accountId, mode, flat) => state.setRateMode(accountId, mode, flat),
      addAccount: (seed) => void state.addAccount(seed),
      reset: () => state.reset(),
    },
    inspect: () => state.inspect(now()),
    calls: (limit) => state.calls.latest(limit),
    callCount: (filter) => state.calls.count(filter),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const res of hung) res.destroy();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeAllConnections();
      }),
  };
}
