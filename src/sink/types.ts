/**
 * The public shapes of the DotDigital client. A connectors/Connector satisfies
 * ConnectorCredentials structurally, so callers pass it as it is.
 */
import type { SyncError } from '../errors.js';

export type Region = 'r1' | 'r2' | 'r3';

export interface ConnectorCredentials {
  readonly connectorId: string;
  readonly username: string;
  readonly password: string;
  /** Skips region detection (the account id is still read from account-info on that region). */
  readonly region?: Region | undefined;
}

export interface AccountInfo {
  /** DotDigital account id, as a decimal string: the key of the account-wide rate limits. */
  readonly accountId: string;
  /** Base URL of the account's region, without a trailing slash. */
  readonly apiEndpoint: string;
  /** "r1", "r2", ... as named by the endpoint, or "custom" for a sandbox URL without one. */
  readonly region: string;
}

export type Visibility = 'Private' | 'Public';

export interface AddressBook {
  readonly id: number;
  readonly name: string;
  readonly visibility: string;
  /** Member count when DotDigital reports it. */
  readonly contacts: number | undefined;
}

export interface NewAddressBook {
  readonly name: string;
  readonly visibility?: Visibility;
}

/** One per input event, in input order. Per-contact failures are permanent (DD_CONTACT_REJECTED / DD_CONTACT_MISSING). */
export type ContactOutcome =
  { readonly ok: true; readonly contactId?: number } | { readonly ok: false; readonly error: SyncError };
