/**
 * DotDigital error bodies → SyncError. This file is the one table of HTTP status → error code
 * (and so → retryable, which belongs to the code in src/errors.ts).
 *
 * v2 answers `{"message": "<text> ERROR_CODE"}` with the code as the last token (or no code at
 * all, e.g. the 401 text); v3 answers `{"errorCode": "contacts:xyz", "description", "details"}`.
 */
import { SyncError, type ErrorCode } from '../errors.js';
import { arrayField, stringField } from './json.js';

export interface RemoteError {
  /** ERROR_X (v2) or service:code (v3), when the body carries one. */
  readonly code: string | undefined;
  readonly description: string | undefined;
}

const MAX_TEXT = 300;
const V2_CODE = /(ERROR_[A-Z0-9_]+)[.\s]*$/;

export function parseErrorBody(body: unknown, rawText = ''): RemoteError {
  const errorCode = stringField(body, 'errorCode');
  if (errorCode !== undefined) {
    const details = arrayField(body, 'details')
      .map((d) => stringField(d, 'description') ?? stringField(d, 'error'))
      .filter((d): d is string => d !== undefined);
    const description = [stringField(body, 'description'), ...details]
      .filter((d) => d !== undefined)
      .join('; ');
    return { code: errorCode, description: clip(description) };
  }
  const message = stringField(body, 'message');
  if (message !== undefined) return { code: V2_CODE.exec(message.trim())?.[1], description: clip(message) };
  const text = rawText.trim();
  return { code: V2_CODE.exec(text)?.[1], description: text === '' ? undefined : clip(text) };
}

function clip(text: string): string | undefined {
  if (text === '') return undefined;
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/** Remote codes that say more than their status (matched case-insensitively, 4xx answers only). */
const BY_REMOTE_CODE: ReadonlyMap<string, ErrorCode> = new Map(
  Object.entries({
    ERROR_APIUSAGE_EXCEEDED: 'DD_APIUSAGE_EXCEEDED',
    ERROR_ADDRESSBOOK_DUPLICATE: 'DD_ADDRESS_BOOK_DUPLICATE',
    ERROR_ADDRESSBOOK_NOT_FOUND: 'DD_ADDRESS_BOOK_NOT_FOUND',
    ERROR_ADDRESSBOOK_NOTWRITABLE: 'DD_ADDRESS_BOOK_NOT_WRITABLE',
    ERROR_ADDRESSBOOK_LIMITEXCEEDED: 'DD_ADDRESS_BOOK_LIMIT',
    ERROR_APIUSER_INVALID: 'DD_INVALID_CREDENTIALS',
    ERROR_ACCOUNT_INVALID: 'DD_INVALID_CREDENTIALS',
    ERROR_FEATURENOTACTIVE: 'DD_FORBIDDEN',
    'contacts:tooManyActiveImports': 'DD_TOO_MANY_ACTIVE_IMPORTS',
  } satisfies Record<string, ErrorCode>).map(([k, v]) => [k.toLowerCase(), v]),
);

/** THE status table. Ordered: the first row whose range holds the status wins. */
const BY_STATUS: readonly { readonly from: number; readonly to: number; readonly code: ErrorCode }[] = [
  { from: 401, to: 401, code: 'DD_INVALID_CREDENTIALS' },
  { from: 403, to: 403, code: 'DD_FORBIDDEN' },
  { from: 404, to: 404, code: 'DD_NOT_FOUND' },
  { from: 408, to: 408, code: 'DD_SERVER_ERROR' },
  { from: 429, to: 429, code: 'DD_RATE_LIMITED' },
  { from: 400, to: 499, code: 'DD_BAD_REQUEST' },
  { from: 501, to: 501, code: 'DD_NOT_IMPLEMENTED' },
  { from: 500, to: 599, code: 'DD_SERVER_ERROR' },
];

export function errorCodeFor(status: number, remoteCode: string | undefined): ErrorCode {
  if (status >= 400 && status < 500 && remoteCode !== undefined) {
    const byRemote = BY_REMOTE_CODE.get(remoteCode.toLowerCase());
    if (byRemote !== undefined) return byRemote;
  }
  return BY_STATUS.find((row) => status >= row.from && status <= row.to)?.code ?? 'DD_UNEXPECTED_RESPONSE';
}

export function isApiUsageExceeded(status: number, remote: RemoteError): boolean {
  return status >= 400 && status < 500 && remote.code?.toUpperCase() === 'ERROR_APIUSAGE_EXCEEDED';
}

export function errorFromResponse(
  what: string,
  status: number,
  remote: RemoteError,
  retryAtMs: number | undefined,
): SyncError {
  const code = errorCodeFor(status, remote.code);
  const detail = remote.description ?? remote.code ?? 'no error body';
  return new SyncError(code, `${what}: HTTP ${status}: ${detail}`, {
    status,
    ...(remote.code === undefined ? {} : { remoteCode: remote.code }),
    ...(retryAtMs === undefined ? {} : { retryAtMs }),
  });
}
