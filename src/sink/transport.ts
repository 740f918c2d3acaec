/**
 * One DotDigital HTTP call: rate-limit gate, undici Pool per origin (keep-alive), an overall
 * request timeout, rate-limit feedback, metrics, and the mapping of every failure to a SyncError.
 * No retries here: the failure policy above the client decides.
 */
import { Pool, type Dispatcher } from 'undici';
import { SyncError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { errorFromResponse, isApiUsageExceeded, parseErrorBody } from './error-table.js';
import { parseRateLimitHeaders } from './rate-headers.js';
import type { OperationClass, RateLimitContext, RateLimitGate, RateLimitObserver } from './rate-limit.js';
import type { ConnectorCredentials } from './types.js';

export interface TransportOptions {
  readonly logger: Logger;
  readonly requestTimeoutMs: number;
  readonly maxConnections: number;
  readonly integrationToken: string | undefined;
  readonly gate: RateLimitGate;
  readonly observer: RateLimitObserver;
  readonly metrics: Metrics | undefined;
  /** Tests only: one dispatcher (e.g. undici MockAgent) for every origin instead of own Pools. */
  readonly dispatcher: Dispatcher | undefined;
  readonly now: () => number;
}

export interface CallSpec {
  readonly creds: ConnectorCredentials;
  readonly accountId: string | undefined;
  readonly operation: OperationClass;
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Scheme, host and optional base path, no trailing slash. */
  readonly baseUrl: string;
  /** Path and query, already URL-encoded. */
  readonly path: string;
  /** The path with its variable parts as placeholders: what logs and errors show (no emails, no ids). */
  readonly route: string;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
  /** Non-2xx statuses handed back instead of thrown (e.g. 404 on a contact lookup). */
  readonly passStatuses?: readonly number[];
}

export interface CallResult {
  readonly status: number;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  readonly body: unknown;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export class Transport {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly options: TransportOptions) {}

  async call(spec: CallSpec): Promise<CallResult> {
    const ctx: RateLimitContext = {
      connectorId: spec.creds.connectorId,
      accountId: spec.accountId,
      operation: spec.operation,
    };
    const what = `${spec.method} ${spec.route}`;
    await this.options.gate.acquire(ctx, spec.signal);
    if (spec.signal?.aborted === true) throw failure(what, spec.signal.reason, spec.signal, false, 0);
    if (this.closed) throw new SyncError('SHUTTING_DOWN', `${what}: client closed`);

    const url = new URL(spec.baseUrl + spec.path);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.options.requestTimeoutMs);
    const signal =
      spec.signal === undefined ? timeout.signal : AbortSignal.any([spec.signal, timeout.signal]);
    const started = performance.now();
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const res = await this.dispatcherFor(url.origin).request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: spec.method,
        headers: this.headers(spec),
        ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
        signal,
        headersTimeout: this.options.requestTimeoutMs,
        bodyTimeout: this.options.requestTimeoutMs,
      });
      status = res.statusCode;
      headers = res.headers;
      text = await res.body.text();
    } catch (err) {
      this.options.metrics?.apiRequests.inc({ operation: spec.operation, status: 'error' });
      const mapped = failure(what, err, spec.signal, timeout.signal.aborted, this.options.requestTimeoutMs);
      this.options.logger.debug(
        { operation: spec.operation, route: spec.route, code: mapped.code },
        'DotDigital call failed without an answer',
      );
      throw mapped;
    } finally {
      clearTimeout(timer);
      this.options.metrics?.apiRequestDuration.observe(
        { operation: spec.operation },
        (performance.now() - started) / 1000,
      );
    }

    this.options.metrics?.apiRequests.inc({ operation: spec.operation, status: String(status) });
    const body = parseJson(text);
    const ok = (status >= 200 && status < 300) || spec.passStatuses?.includes(status) === true;
    const remote = ok ? undefined : parseErrorBody(body, text);
    const limits = parseRateLimitHeaders(headers, this.options.now());
    const flatRateCap = remote !== undefined && isApiUsageExceeded(status, remote);
    this.feedback({
      ctx,
      status,
      scope: limits.scope ?? spec.operation,
      limit: limits.limit,
      remaining: limits.remaining,
      resetAtMs: limits.resetAtMs,
      flatRateCap,
    });
    this.options.logger.debug(
      { operation: spec.operation, route: spec.route, status, ms: Math.round(performance.now() - started) },
      'DotDigital call',
    );
    if (remote === undefined) return { status, body };
    const retryAtMs = status === 429 || flatRateCap ? limits.resetAtMs : undefined;
    throw errorFromResponse(what, status, remote, retryAtMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  private dispatcherFor(origin: string): Dispatcher {
    if (this.options.dispatcher !== undefined) return this.options.dispatcher;
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.options.maxConnections,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  private headers(spec: CallSpec): Record<string, string> {
    const basic = Buffer.from(`${spec.creds.username}:${spec.creds.password}`, 'utf8').toString('base64');
    return {
      authorization: `Basic ${basic}`,
      accept: 'application/json',
      'user-agent': 'dotdigital-sync',
      ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(this.options.integrationToken === undefined
        ? {}
        : { 'x-ddg-integration-token': this.options.integrationToken }),
    };
  }

  private feedback(feedback: Parameters<RateLimitObserver['observe']>[0]): void {
    try {
      this.options.observer.observe(feedback);
    } catch (err) {
      this.options.logger.warn({ err }, 'rate-limit observer failed');
    }
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function failure(
  what: string,
  err: unknown,
  callerSignal: AbortSignal | undefined,
  timedOut: boolean,
  timeoutMs: number,
): SyncError {
  if (callerSignal?.aborted === true) {
    const reason: unknown = callerSignal.reason;
    return reason instanceof SyncError
      ? reason
      : new SyncError('SHUTTING_DOWN', `${what}: aborted`, { cause: err });
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (timedOut || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return new SyncError('DD_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`, { cause: err });
  }
  if (typeof code === 'string' && code.startsWith('UND_ERR_INVALID')) {
    return new SyncError('INTERNAL', `${what}: ${(err as Error).message}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SyncError('DD_NETWORK', `${what}: ${message}`, { cause: err });
}
