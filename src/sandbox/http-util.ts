/** Small node:http helpers of the sandbox: bodies, JSON answers and DotDigital error envelopes. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The v3 import accepts bodies up to 50 MB. */
export const MAX_BODY_BYTES = 50 * 1024 * 1024;

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge('request body over 50 MB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parsed JSON, or the symbol NOT_JSON (an empty body is undefined). */
export const NOT_JSON = Symbol('not-json');
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': 0 });
  res.end();
}

/** v2 error: `{"message": "<text> ERROR_CODE"}`. */
export function v2Error(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { message });
}

/** v3 error: `{"errorCode", "description", "details"?}`. */
export function v3Error(
  res: ServerResponse,
  status: number,
  errorCode: string,
  description: string,
  details?: { item: string; description: string }[],
): void {
  sendJson(res, status, { errorCode, description, ...(details === undefined ? {} : { details }) });
}

/** Case-insensitive property read: v2 binds request JSON case-insensitively (PascalCase works). */
export function prop(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(value)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export const MESSAGES = Object.freeze({
  unauthorized: 'Authorization has been denied for this request.',
  accessDenied: 'Access is denied',
  apiUsageExceeded:
    'Your account has generated excess API activity and is being temporarily capped. Please contact support. ERROR_APIUSAGE_EXCEEDED',
  duplicateBook: 'That name is in use already, please choose another. ERROR_ADDRESSBOOK_DUPLICATE',
  bookNotFound: 'Error: ERROR_ADDRESSBOOK_NOT_FOUND',
  bookNotWritable: 'Address book cannot be written to via the API. ERROR_ADDRESSBOOK_NOTWRITABLE',
  serverError: 'An error has occurred.',
});
