/**
 * A recording HTTP proxy in front of the sandbox: the sandbox's call log has no request bodies,
 * and a test about "sent twice" or "confirmed" needs to know which contacts each call carried and
 * which job answers reached the service. The Host header passes through, so the sandbox's
 * account-info names the proxy as the API endpoint and every later call goes through it too.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  /** The label current when the request arrived (e.g. which service run sent it). */
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly requestBody: string;
  status?: number | undefined;
  responseBody?: string;
  /** The whole answer was handed to the client's connection. */
  delivered: boolean;
}

export class RecordingProxy {
  readonly exchanges: Exchange[] = [];
  label = '';
  /**
   * Holds matching requests this long before forwarding them. The sandbox's latency fault delays
   * every answer whatever its `scopes`; this delays one kind of call only.
   */
  delay: (method: string, path: string) => number = () => 0;
  private readonly held = new Set<NodeJS.Timeout>();
  private readonly server: Server;
  private origin_ = '';

  private constructor(private readonly upstream: URL) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /** `target`: the sandbox origin, e.g. http://127.0.0.1:1234 */
  static async start(target: string): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(new URL(target));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.origin_ = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    return proxy;
  }

  get origin(): string {
    return this.origin_;
  }

  close(): Promise<void> {
    for (const t of this.held) clearTimeout(t);
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    res.on('error', () => undefined);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const exchange: Exchange = {
        label: this.label,
        method: req.method ?? '',
        path: req.url ?? '',
        requestBody: body.toString(),
        delivered: false,
      };
      this.exchanges.push(exchange);
      const timer = setTimeout(
        () => {
          this.held.delete(timer);
          this.forward(req, res, exchange, body);
        },
        this.delay(exchange.method, exchange.path),
      );
      this.held.add(timer);
    });
  }

  private forward(req: IncomingMessage, res: ServerResponse, exchange: Exchange, body: Buffer): void {
    const { hostname, port } = this.upstream;
    const out = request(
      { host: hostname, port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          exchange.status = answer.statusCode;
          exchange.responseBody = Buffer.concat(chunks).toString();
          if (res.destroyed) return;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks), () => (exchange.delivered = true));
        });
      },
    );
    out.on('error', () => res.destroy());
    out.end(body);
  }
}

/** What the service sent and what it was told, per kind of call, from the recorded exchanges. */
export interface ContactTraffic {
  /** Per import: the run label, the book, the contacts' identifiers (lower-cased), whether its Finished answer reached the service. */
  readonly imports: { label: string; book: number; identifiers: string[]; confirmed: boolean }[];
  /** Per bulk delete: the run label, the book, the contact ids, whether its Completed answer reached the service. */
  readonly deletes: { label: string; book: number; contactIds: number[]; confirmed: boolean }[];
}

const json = (text: string | undefined): unknown => {
  try {
    return text === undefined || text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};

export function contactTraffic(exchanges: readonly Exchange[]): ContactTraffic {
  const finishedImports = new Set<string>();
  const completedDeletions = new Set<string>();
  for (const x of exchanges) {
    if (!x.delivered || x.method !== 'GET') continue;
    const body = json(x.responseBody) as { status?: string; importId?: string; id?: string } | undefined;
    if (/\/contacts\/v3\/import\/[^/]+$/.test(x.path) && body?.status === 'Finished')
      finishedImports.add(body.importId ?? '');
    if (/\/v2\/contacts\/deletion\/[^/]+$/.test(x.path) && body?.status === 'Completed')
      completedDeletions.add(body.id ?? '');
  }
  const imports: ContactTraffic['imports'] = [];
  const deletes: ContactTraffic['deletes'] = [];
  for (const x of exchanges) {
    if (x.method === 'PUT' && /\/contacts\/v3\/import\/?$/.test(x.path)) {
      const body = json(x.requestBody) as {
        contacts: { identifiers: Record<string, string | number>; lists: number[] }[];
      };
      const importId = (json(x.responseBody) as { importId?: string } | undefined)?.importId;
      imports.push({
        label: x.label,
        book: body.contacts[0]?.lists[0] ?? 0,
        identifiers: body.contacts.map((c) => String(Object.values(c.identifiers)[0]).toLowerCase()),
        confirmed: importId !== undefined && finishedImports.has(importId),
      });
    }
    const del = /\/v2\/address-books\/(\d+)\/contacts\/delete$/.exec(x.path);
    if (x.method === 'POST' && del !== null) {
      const started = json(x.responseBody) as { id?: string; status?: string } | undefined;
      const confirmed =
        (x.delivered && started?.status === 'Completed') ||
        (started?.id !== undefined && completedDeletions.has(started.id));
      deletes.push({
        label: x.label,
        book: Number(del[1]),
        contactIds: json(x.requestBody) as number[],
        confirmed,
      });
    }
  }
  return { imports, deletes };
}
