/**
 * Region detection: `GET {r1}/v2/account-info` names the account's API endpoint and id. The
 * credentials are only ever sent to https://rN-api.dotdigital.com hosts, unless the sandbox
 * setting allowAnyHost lifts that rule. Results are cached per connector (and dropped when the
 * credentials change, or when a call says 401/403: the account may have moved).
 */
import { createHash } from 'node:crypto';
import { SyncError } from '../errors.js';
import { arrayField, field, intField, stringField } from './json.js';
import type { Transport } from './transport.js';
import type { AccountInfo, ConnectorCredentials, Region } from './types.js';

const DOTDIGITAL_HOST = /^r[1-9][0-9]*-api\.dotdigital\.com$/;

/** Returns the endpoint without a trailing slash, or throws DD_REGION_REJECTED. */
export function acceptEndpoint(raw: string, allowAnyHost: boolean): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new SyncError('DD_REGION_REJECTED', 'account-info named an API endpoint that is not a URL');
  }
  const trimmed = url.href.replace(/\/+$/, '');
  if (allowAnyHost) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new SyncError('DD_REGION_REJECTED', `API endpoint ${url.protocol} is not http(s)`);
    return trimmed;
  }
  const plain =
    url.username === '' &&
    url.password === '' &&
    url.port === '' &&
    url.search === '' &&
    url.hash === '' &&
    /^\/*$/.test(url.pathname);
  if (url.protocol !== 'https:' || !DOTDIGITAL_HOST.test(url.hostname) || !plain) {
    throw new SyncError(
      'DD_REGION_REJECTED',
      `API endpoint ${url.host} is not https://rN-api.dotdigital.com; credentials not sent there`,
    );
  }
  return trimmed;
}

/** "r2" from https://r2-api.dotdigital.com, or from a sandbox base path ending in /r2. */
export function regionOf(endpoint: string): string {
  const url = new URL(endpoint);
  return (
    /^(r[1-9][0-9]*)-api\./.exec(url.hostname)?.[1] ??
    /\/(r[1-9][0-9]*)\/?$/.exec(url.pathname)?.[1] ??
    'custom'
  );
}

/** The base URL of `region` derived from the r1 one (host prefix r1-api, or a sandbox path /r1). */
export function regionalBaseUrl(r1BaseUrl: string, region: Region): string {
  const url = new URL(r1BaseUrl);
  if (/^r1-api\./.test(url.hostname)) url.hostname = url.hostname.replace(/^r1-/, `${region}-`);
  else if (/\/r1\/?$/.test(url.pathname)) url.pathname = url.pathname.replace(/\/r1\/?$/, `/${region}`);
  else throw new SyncError('DD_REGION_REJECTED', `cannot derive the ${region} endpoint from the r1 base URL`);
  return url.href.replace(/\/+$/, '');
}

export interface AccountDirectoryOptions {
  readonly r1BaseUrl: string;
  readonly allowAnyHost: boolean;
}

interface Entry {
  readonly fingerprint: string;
  readonly info: Promise<AccountInfo>;
}

export class AccountDirectory {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly transport: Transport,
    private readonly options: AccountDirectoryOptions,
  ) {}

  /** Cached; concurrent callers share one account-info call. */
  detect(creds: ConnectorCredentials, signal?: AbortSignal): Promise<AccountInfo> {
    const fingerprint = fingerprintOf(creds);
    const hit = this.cache.get(creds.connectorId);
    if (hit?.fingerprint === fingerprint) return hit.info;
    return this.refresh(creds, signal);
  }

  /** Always asks DotDigital (the credential check), and caches the answer. */
  refresh(creds: ConnectorCredentials, signal?: AbortSignal): Promise<AccountInfo> {
    const fingerprint = fingerprintOf(creds);
    const info = this.fetch(creds, signal);
    const entry = { fingerprint, info };
    this.cache.set(creds.connectorId, entry);
    info.catch(() => {
      if (this.cache.get(creds.connectorId) === entry) this.cache.delete(creds.connectorId);
    });
    return info;
  }

  invalidate(connectorId: string): void {
    this.cache.delete(connectorId);
  }

  private async fetch(creds: ConnectorCredentials, signal: AbortSignal | undefined): Promise<AccountInfo> {
    const override = creds.region;
    const baseUrl =
      override === undefined ? this.options.r1BaseUrl : regionalBaseUrl(this.options.r1BaseUrl, override);
    const res = await this.transport.call({
      creds,
      accountId: undefined,
      operation: 'admin',
      method: 'GET',
      baseUrl,
      path: '/v2/account-info',
      route: '/v2/account-info',
      signal,
    });
    const accountId = intField(res.body, 'id');
    if (accountId === undefined) throw new SyncError('DD_UNEXPECTED_RESPONSE', 'account-info: no account id');
    if (override !== undefined)
      return { accountId: String(accountId), apiEndpoint: baseUrl, region: override };
    const property = arrayField(res.body, 'properties').find(
      (p) => stringField(p, 'name')?.toLowerCase() === 'apiendpoint',
    );
    const endpoint = field(property, 'value');
    if (typeof endpoint !== 'string' || endpoint.trim() === '')
      throw new SyncError('DD_UNEXPECTED_RESPONSE', 'account-info: no ApiEndpoint property');
    const apiEndpoint = acceptEndpoint(endpoint, this.options.allowAnyHost);
    return { accountId: String(accountId), apiEndpoint, region: regionOf(apiEndpoint) };
  }
}

function fingerprintOf(creds: ConnectorCredentials): string {
  return createHash('sha256')
    .update(`${creds.username}\0${creds.password}\0${creds.region ?? ''}`)
    .digest('hex');
}
