/**
 * The one error hierarchy of the service. Every error the service raises or records carries a
 * code from the closed list below; the list is also the list of dead-letter `errorCode`s
 * (docs/operations.md documents it, a test keeps the two equal).
 *
 * `retryable` belongs to the code, not to the throw site, so that one place (the failure
 * policy in src/consumer) can decide retry, back-off, dead-letter or pause from the code alone.
 * `scope` says how far a failure reaches: one record/contact, one batch, the whole connector
 * (its credentials or account), or the process.
 */
export type ErrorScope = 'record' | 'batch' | 'connector' | 'process';

interface CodeInfo {
  readonly retryable: boolean;
  readonly scope: ErrorScope;
  readonly description: string;
}

const defineCodes = <T extends Record<string, CodeInfo>>(codes: T): { readonly [K in keyof T]: CodeInfo } =>
  Object.freeze(codes);

export const ERROR_CODES = defineCodes({
  // Configuration and usage
  CONFIG_INVALID: { retryable: false, scope: 'process', description: 'Configuration is invalid; every problem is listed.' },
  USAGE: { retryable: false, scope: 'process', description: 'Bad command-line arguments.' },

  // Records rejected before windowing (dead-lettered, offset completed)
  DECODE_UNKNOWN_MAGIC_BYTE: { retryable: false, scope: 'record', description: 'Value is not in the Confluent wire format (magic byte is not 0, or value is shorter than 5 bytes).' },
  DECODE_UNKNOWN_SCHEMA: { retryable: false, scope: 'record', description: 'The writer schema id is unknown to the schema registry (after retries).' },
  DECODE_FAILED: { retryable: false, scope: 'record', description: 'The Avro body could not be decoded or resolved to the reader schema.' },
  EVENT_INVALID: { retryable: false, scope: 'record', description: 'The decoded event breaks a rule of the contract (bad eventId, empty connectorId, ...).' },
  EVENT_NO_IDENTIFIER: { retryable: false, scope: 'record', description: 'The profile has no email, contactId or mobileNumber.' },
  EVENT_BAD_ADDRESS_BOOK: { retryable: false, scope: 'record', description: 'addressBookId is not a positive 32-bit integer.' },
  CONNECTOR_UNKNOWN: { retryable: false, scope: 'record', description: 'No connector with this id is configured.' },

  // DotDigital: whole request failures
  DD_INVALID_CREDENTIALS: { retryable: false, scope: 'connector', description: 'DotDigital rejected the API user (401).' },
  DD_FORBIDDEN: { retryable: false, scope: 'connector', description: 'DotDigital denied access (403): wrong region, or a feature not active.' },
  DD_REGION_REJECTED: { retryable: false, scope: 'connector', description: 'account-info named an API endpoint outside https://rN-api.dotdigital.com; credentials were not sent there.' },
  DD_RATE_LIMITED: { retryable: true, scope: 'connector', description: 'DotDigital answered 429 (tiered rate limit).' },
  DD_APIUSAGE_EXCEEDED: { retryable: true, scope: 'connector', description: 'Flat-rate hourly cap reached (400 ERROR_APIUSAGE_EXCEEDED); retried after a long back-off.' },
  DD_TOO_MANY_ACTIVE_IMPORTS: { retryable: true, scope: 'batch', description: 'The account already has 25 active v3 imports (429 contacts:tooManyActiveImports).' },
  DD_ADDRESS_BOOK_NOT_FOUND: { retryable: false, scope: 'batch', description: 'The address book does not exist (deleted, or a wrong id).' },
  DD_ADDRESS_BOOK_NOT_WRITABLE: { retryable: false, scope: 'batch', description: 'The address book cannot be written through the API (e.g. "Test").' },
  DD_ADDRESS_BOOK_DUPLICATE: { retryable: false, scope: 'batch', description: 'An address book with this name exists already, or the name is reserved.' },
  DD_ADDRESS_BOOK_LIMIT: { retryable: false, scope: 'batch', description: 'The account has reached its address book quota.' },
  DD_BAD_REQUEST: { retryable: false, scope: 'batch', description: 'DotDigital rejected the request as invalid (other 4xx).' },
  DD_NOT_FOUND: { retryable: false, scope: 'batch', description: 'DotDigital answered 404 for a resource the client expected.' },
  DD_SERVER_ERROR: { retryable: true, scope: 'batch', description: 'DotDigital answered 5xx (except 501), or 408.' },
  DD_NOT_IMPLEMENTED: { retryable: false, scope: 'batch', description: 'DotDigital answered 501.' },
  DD_TIMEOUT: { retryable: true, scope: 'batch', description: 'No answer within requestTimeoutMs, or an async job did not finish within its deadline.' },
  DD_NETWORK: { retryable: true, scope: 'batch', description: 'Connection refused, reset or closed before an answer.' },
  DD_UNEXPECTED_RESPONSE: { retryable: true, scope: 'batch', description: 'A 2xx answer whose body did not have the documented shape.' },
  DD_IMPORT_FAILED: { retryable: true, scope: 'batch', description: 'The v3 import ended in status Failed (or an unknown status).' },
  DD_IMPORT_REJECTED: { retryable: false, scope: 'batch', description: 'The v3 import ended in RejectedByWatchdog or ExceedsAllowedContactLimit.' },
  DD_DELETION_FAILED: { retryable: true, scope: 'batch', description: 'The v2 bulk deletion job ended in status Failed.' },

  // DotDigital: per-contact outcomes
  DD_CONTACT_REJECTED: { retryable: false, scope: 'record', description: 'The import listed this contact under failures (invalid email, suppressed, ...); the failure code is in the message.' },
  DD_CONTACT_MISSING: { retryable: false, scope: 'record', description: 'The import finished without listing this contact as created, updated or failed.' },

  // Limits
  RATE_LIMIT_WAIT_EXCEEDED: { retryable: true, scope: 'batch', description: 'No rate-limit token was free within the maximum wait.' },

  // Infrastructure the service needs
  KAFKA_ERROR: { retryable: true, scope: 'process', description: 'A Kafka operation failed.' },
  REGISTRY_UNAVAILABLE: { retryable: true, scope: 'process', description: 'The schema registry could not be reached.' },
  REDIS_UNAVAILABLE: { retryable: true, scope: 'process', description: 'Redis could not be reached (the limiter falls back to local limits).' },
  SHUTTING_DOWN: { retryable: true, scope: 'process', description: 'The service is shutting down; the work is left for the next owner.' },
  INTERNAL: { retryable: false, scope: 'process', description: 'A bug: an invariant of the service did not hold.' },
});

export type ErrorCode = keyof typeof ERROR_CODES;
export const ALL_ERROR_CODES = Object.freeze(Object.keys(ERROR_CODES) as ErrorCode[]);

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}

export interface SyncErrorOptions {
  readonly cause?: unknown;
  /** HTTP status of the answer that caused it, when there was one. */
  readonly status?: number;
  /** The code DotDigital gave (ERROR_X or contacts:xyz or a per-contact failure code). */
  readonly remoteCode?: string;
  /** Earliest time to try again, when the remote said (rate-limit reset). Epoch ms. */
  readonly retryAtMs?: number;
}

export class SyncError extends Error {
  override readonly name = 'SyncError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly scope: ErrorScope;
  readonly status: number | undefined;
  readonly remoteCode: string | undefined;
  readonly retryAtMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: SyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const info = ERROR_CODES[code];
    this.code = code;
    this.retryable = info.retryable;
    this.scope = info.scope;
    this.status = options.status;
    this.remoteCode = options.remoteCode;
    this.retryAtMs = options.retryAtMs;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.remoteCode === undefined ? {} : { remoteCode: this.remoteCode }),
    };
  }
}

/** Configuration problems are gathered, then thrown once with every problem listed. */
export class ConfigError extends SyncError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], what = 'configuration') {
    super('CONFIG_INVALID', `Invalid ${what}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = Object.freeze([...problems]);
  }
}

/** Wraps anything thrown into a SyncError, keeping SyncErrors as they are. */
export function toSyncError(err: unknown, fallback: ErrorCode = 'INTERNAL'): SyncError {
  if (err instanceof SyncError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SyncError(fallback, message, { cause: err });
}
