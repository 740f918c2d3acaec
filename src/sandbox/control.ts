/**
 * The /_sandbox control and inspection endpoints (routes listed in router.ts). Same operations
 * as Sandbox.control, for clients running in other processes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NOT_JSON, parseJson, prop, readBody, sendJson } from './http-util.js';
import type { SandboxState } from './state.js';
import { REGION_IDS, type RegionId } from './types.js';
import { parseAccountSeed, parseFaults, parseRateMode, SandboxError } from './validate.js';

export interface ControlContext {
  readonly state: SandboxState;
  readonly now: number;
  readonly baseUrl: (region: RegionId) => string;
}

type Handler = (
  ctx: ControlContext,
  params: readonly string[],
  body: unknown,
  query: URLSearchParams,
) => { status: number; body: unknown };

const ok = (body: unknown = { ok: true }) => ({ status: 200, body });

const ROUTES: readonly { method: string; pattern: RegExp; handle: Handler }[] = [
  {
    method: 'GET',
    pattern: /^\/?$/,
    handle: (c) =>
      ok({
        regions: Object.fromEntries(REGION_IDS.map((r) => [r, c.baseUrl(r)])),
        settings: c.state.settings,
        faults: c.state.faults.current,
      }),
  },
  { method: 'GET', pattern: /^\/inspect\/?$/, handle: (c) => ok(c.state.inspect(c.now)) },
  {
    method: 'GET',
    pattern: /^\/calls\/?$/,
    handle: (c, _p, _b, q) => ok(c.state.calls.latest(Math.max(1, Number(q.get('limit') ?? 1000) || 1000))),
  },
  {
    method: 'PUT',
    pattern: /^\/faults\/?$/,
    handle: (c, _p, body) => {
      c.state.setFaults(parseFaults(body));
      return ok(c.state.faults.current);
    },
  },
  {
    method: 'PUT',
    pattern: /^\/settings\/?$/,
    handle: (c, _p, body) => {
      c.state.setSettings(objectBody(body));
      return ok(c.state.settings);
    },
  },
  {
    method: 'POST',
    pattern: /^\/accounts\/?$/,
    handle: (c, _p, body) => {
      const account = c.state.addAccount(parseAccountSeed(body));
      return { status: 201, body: { id: account.id, region: account.region } };
    },
  },
  {
    method: 'PUT',
    pattern: /^\/accounts\/(\d+)\/limits\/([A-Za-z]+)\/?$/,
    handle: (c, [id, scope], body) => {
      c.state.setLimit(Number(id), scope ?? '', prop(body, 'perMinute') as number);
      return ok();
    },
  },
  {
    method: 'PUT',
    pattern: /^\/accounts\/(\d+)\/rate-mode\/?$/,
    handle: (c, [id], body) => {
      const flat = prop(body, 'flatLimitPerHour');
      c.state.setRateMode(
        Number(id),
        parseRateMode(prop(body, 'mode')),
        flat === undefined ? undefined : (flat as number),
      );
      return ok();
    },
  },
  {
    method: 'POST',
    pattern: /^\/reset\/?$/,
    handle: (c) => {
      c.state.reset();
      return ok();
    },
  },
];

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new SandboxError('the body must be a JSON object');
  return body as Record<string, unknown>;
}

export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  ctx: ControlContext,
): Promise<void> {
  const candidates = ROUTES.filter((r) => r.pattern.test(path));
  const route = candidates.find((r) => r.method === req.method);
  if (route === undefined) {
    sendJson(res, candidates.length > 0 ? 405 : 404, {
      error: candidates.length > 0 ? `method ${req.method ?? ''} not allowed` : `no control route ${path}`,
    });
    return;
  }
  const body = req.method === 'GET' ? undefined : parseJson(await readBody(req));
  if (body === NOT_JSON) {
    sendJson(res, 400, { error: 'the body is not JSON' });
    return;
  }
  try {
    const params = (route.pattern.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
    const answer = route.handle(ctx, params, body, query);
    sendJson(res, answer.status, answer.body);
  } catch (err) {
    if (!(err instanceof SandboxError)) throw err;
    sendJson(res, 400, { error: err.message });
  }
}
