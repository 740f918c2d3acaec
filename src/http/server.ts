/**
 * The service's HTTP surface: /healthz (liveness), /readyz (readiness), /metrics (Prometheus),
 * /status and the admin API (bearer ADMIN_TOKEN; off when no token is set).
 *
 * Admin API (JSON; errors are {error: {code, message}}):
 *   GET  /admin/connectors/{id}/address-books            → {addressBooks: [{id,name,visibility,contacts}]}
 *   POST /admin/connectors/{id}/address-books {name, visibility?: "Private"|"Public"} → 201 {addressBook}
 *   POST /admin/credentials/validate {username, password} → {valid: true, region, accountId, apiEndpoint}
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { SyncError, toSyncError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface Health {
  /** Live: the event loop answers and the service has not given up. */
  live(): boolean;
  /** Ready: joined the group and can send (Redis or its fallback). Returns the reasons when not. */
  ready(): { ready: boolean; reasons: readonly string[] };
}

export interface AdminBackend {
  listAddressBooks(connectorId: string): Promise<readonly unknown[]>;
  createAddressBook(connectorId: string, name: string, visibility: 'Private' | 'Public'): Promise<unknown>;
  validateCredentials(username: string, password: string): Promise<{ region: string; accountId: string; apiEndpoint: string }>;
}

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly health: Health;
  readonly status: () => unknown;
  readonly admin?: AdminBackend | undefined;
  readonly adminToken?: string | undefined;
  readonly logger: Logger;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 64 * 1024;

export class HttpServer {
  private readonly server: Server;
  private readonly token: Buffer | undefined;

  constructor(private readonly options: HttpServerOptions) {
    this.token = options.adminToken === undefined ? undefined : Buffer.from(options.adminToken);
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        this.sendError(res, err);
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    return typeof addr === 'object' && addr !== null ? addr.port : this.options.port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => { resolve(); }));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/healthz') {
      const live = this.options.health.live();
      send(res, live ? 200 : 503, { live }); return;
    }
    if (method === 'GET' && path === '/readyz') {
      const r = this.options.health.ready();
      send(res, r.ready ? 200 : 503, r); return;
    }
    if (method === 'GET' && path === '/metrics') {
      const body = await this.options.registry.metrics();
      res.writeHead(200, { 'content-type': this.options.registry.contentType });
      res.end(body);
      return;
    }
    if (path === '/status' || path.startsWith('/admin/')) {
      this.authorize(req);
      if (method === 'GET' && path === '/status') { send(res, 200, this.options.status()); return; }
      return this.admin(method, path, req, res);
    }
    throw new HttpError(404, 'NOT_FOUND', `no route ${method} ${path}`);
  }

  private authorize(req: IncomingMessage): void {
    if (this.token === undefined) throw new HttpError(404, 'ADMIN_DISABLED', 'the admin API is off: set ADMIN_TOKEN');
    const given = Buffer.from(/^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      throw new HttpError(401, 'UNAUTHORIZED', 'missing or wrong bearer token');
    }
  }

  private async admin(method: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const admin = this.options.admin;
    if (admin === undefined) throw new HttpError(404, 'ADMIN_DISABLED', 'the admin API is not available');
    const books = /^\/admin\/connectors\/([^/]+)\/address-books$/.exec(path);
    if (books !== null) {
      const connectorId = decodeURIComponent(books[1] ?? '');
      if (method === 'GET') { send(res, 200, { addressBooks: await admin.listAddressBooks(connectorId) }); return; }
      if (method === 'POST') {
        const body = await readJson(req);
        const problems: string[] = [];
        const name = body.name;
        if (typeof name !== 'string' || name.trim() === '' || name.length > 128) problems.push('name must be a string of 1 to 128 characters');
        const visibility = body.visibility ?? 'Private';
        if (!isVisibility(visibility)) problems.push('visibility must be "Private" or "Public"');
        if (problems.length > 0) throw new HttpError(400, 'BAD_REQUEST', problems.join('; '));
        send(res, 201, { addressBook: await admin.createAddressBook(connectorId, (name as string).trim(), visibility as 'Private' | 'Public') }); return;
      }
    }
    if (path === '/admin/credentials/validate' && method === 'POST') {
      const body = await readJson(req);
      const problems: string[] = [];
      if (typeof body.username !== 'string' || body.username.trim() === '') problems.push('username must be a non-empty string');
      if (typeof body.password !== 'string' || body.password === '') problems.push('password must be a non-empty string');
      if (problems.length > 0) throw new HttpError(400, 'BAD_REQUEST', problems.join('; '));
      const info = await admin.validateCredentials((body.username as string).trim(), body.password as string);
      send(res, 200, { valid: true, ...info }); return;
    }
    throw new HttpError(404, 'NOT_FOUND', `no route ${method} ${path}`);
  }

  private sendError(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof HttpError) {
      send(res, err.status, { error: { code: err.code, message: err.message } });
      return;
    }
    const e = toSyncError(err);
    const status = statusOf(e);
    if (status >= 500) this.options.logger.error({ err: e.toJSON() }, 'admin request failed');
    send(res, status, { error: { code: e.code, message: e.message, retryable: e.retryable } });
  }
}

/** Maps our error codes to what the platform's UI should see. */
function statusOf(e: SyncError): number {
  switch (e.code) {
    case 'DD_INVALID_CREDENTIALS':
      return 422;
    case 'DD_ADDRESS_BOOK_DUPLICATE':
      return 409;
    case 'CONNECTOR_UNKNOWN':
    case 'DD_ADDRESS_BOOK_NOT_FOUND':
      return 404;
    case 'DD_RATE_LIMITED':
    case 'RATE_LIMIT_WAIT_EXCEEDED':
    case 'DD_APIUSAGE_EXCEEDED':
      return 429;
    default:
      return e.scope === 'record' || (!e.retryable && e.code.startsWith('DD_')) ? 422 : 502;
  }
}

const isVisibility = (v: unknown): v is 'Private' | 'Public' => v === 'Private' || v === 'Public';

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'BODY_TOO_LARGE', `body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, 'BAD_REQUEST', 'body must be a JSON object');
  return parsed as Record<string, unknown>;
}
