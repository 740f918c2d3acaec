/**
 * The sandbox's HTTP router (node:http, no framework).
 *
 * API, per region base URL `http://{host}:{port}/{r1|r2|r3}` (Basic auth, DotDigital shapes):
 *   GET  /v2/account-info                          accountInfo        (any region; ApiEndpoint = the account's)
 *   GET  /v2/address-books?select=&skip=           listAddressBooks   (select 1..1000)
 *   POST /v2/address-books  {name, visibility}     createAddressBook  (201 or 200 per settings)
 *   GET  /v2/address-books/{id}                    getAddressBook
 *   GET  /v2/address-books/{id}/contacts?select=&skip=   listBookContacts ([{id, email, status}])
 *   POST /v2/address-books/{id}/contacts/delete    bulkDeleteContacts (body: [contactId, ...]; 202 {id, status})
 *   GET  /v2/contacts/deletion/{id}                getDeletionStatus  (Started → Completed | Failed)
 *   PUT  /contacts/v3/import                       importContacts     (202 {importId}; 429 past maxActiveImports)
 *   GET  /contacts/v3/import/{importId}            getImportStatus    (NotFinished → Finished + report | Failed ...)
 *   GET  /contacts/v3/{email|mobileNumber|contactId}/{value}   getContact (404 contacts:contactNotFound)
 * Pipeline of every API call: call log ← latency → fault draw (reset | hang | 5xx) → Basic auth
 * (401) → region (403 "Access is denied") → 429 storm → limits (tiered: X-RateLimit-* headers
 * and 429; flat: 400 ERROR_APIUSAGE_EXCEEDED) → handler. Jobs settle before each call.
 *
 * Control and inspection (no auth; the sandbox binds to loopback by default):
 *   GET  /_sandbox                                 region base URLs, settings, faults
 *   GET  /_sandbox/inspect                         accounts, books with members, call counts per (operation, scope, status)
 *   GET  /_sandbox/calls?limit=N                   latest call entries (method, path, operation, scope, status)
 *   PUT  /_sandbox/faults       FaultConfig        replace the faults ({} clears them)
 *   PUT  /_sandbox/settings     {importDelayMs, deletionDelayMs, limitWindowMs, resetHeaderForm, maxActiveImports, addressBookCreateStatus, ...}
 *   POST /_sandbox/accounts     AccountSeed        add an account (201)
 *   PUT  /_sandbox/accounts/{id}/limits/{scope}    {perMinute}
 *   PUT  /_sandbox/accounts/{id}/rate-mode         {mode: "tiered" | "flat", flatLimitPerHour?}
 *   POST /_sandbox/reset                           back to the starting seeds, settings and faults
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { API_ROUTES, type ApiRoute } from './api.js';
import { handleControl } from './control.js';
import { BodyTooLarge, MESSAGES, parseJson, readBody, sendEmpty, v2Error } from './http-util.js';
import { FLAT_WINDOWS, flatKey, rateLimitHeaders, tieredKey } from './limits.js';
import type { SandboxState } from './state.js';
import { REGION_IDS, type RegionId } from './types.js';

export interface RouterDeps {
  readonly state: SandboxState;
  readonly now: () => number;
  /** Answers left open by the hang fault; the server ends them on close. */
  readonly hung: Set<ServerResponse>;
}

const CONTROL_PREFIX = '/_sandbox';

export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(deps, req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLarge) return v2Error(res, 413, 'Request body too large.');
      if (!res.headersSent) v2Error(res, 500, MESSAGES.serverError);
      else res.destroy(err instanceof Error ? err : undefined);
    });
  };
}

async function route(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const host = req.headers.host ?? '127.0.0.1';
  const baseUrl = (region: RegionId): string => `http://${host}/${region}`;
  if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
    await handleControl(req, res, url.pathname.slice(CONTROL_PREFIX.length), url.searchParams, {
      state: deps.state,
      now: deps.now(),
      baseUrl,
    });
    return;
  }
  const m = /^\/(r\d+)(\/.*)$/.exec(url.pathname);
  const region = m?.[1] as RegionId | undefined;
  const path = m?.[2] ?? url.pathname;
  const candidates = API_ROUTES.filter((r) => r.pattern.test(path));
  const api = candidates.find((r) => r.method === req.method);
  const entry = {
    at: deps.now(),
    method: req.method ?? '',
    path: url.pathname,
    operation: api?.operation ?? 'unknown',
    scope: api?.scope ?? '-',
  };
  let accountId: number | undefined;
  const log = (status: number | string): void =>
    deps.state.calls.record({ ...entry, status: String(status), accountId });

  if (region === undefined || !(REGION_IDS as readonly string[]).includes(region) || api === undefined) {
    if (candidates.length > 0 && region !== undefined)
      v2Error(res, 405, `The requested resource does not support http method '${req.method ?? ''}'.`);
    else v2Error(res, 404, 'No HTTP resource was found that matches the request URI.');
    log(res.statusCode);
    return;
  }
  const text = req.method === 'GET' ? '' : await readBody(req);
  await answer(deps, req, res, {
    api,
    region,
    path,
    query: url.searchParams,
    text,
    baseUrl,
    setAccount: (id) => (accountId = id),
    log,
  });
}

interface Call {
  readonly api: ApiRoute;
  readonly region: RegionId;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly text: string;
  readonly baseUrl: (region: RegionId) => string;
  setAccount(id: number): void;
  log(status: number | string): void;
}

async function answer(
  deps: RouterDeps,
  req: IncomingMessage,
  res: ServerResponse,
  call: Call,
): Promise<void> {
  const { state } = deps;
  const latency = state.faults.latencyMs();
  if (latency > 0) await sleep(latency);
  const fault = state.faults.pick(call.api.scope);
  if (fault === 'reset') {
    call.log('reset');
    req.socket.destroy();
    return;
  }
  if (fault === 'hang') {
    call.log('hang');
    deps.hung.add(res);
    res.on('close', () => deps.hung.delete(res));
    return;
  }
  if (fault === 'serverError') {
    v2Error(res, state.faults.serverErrorStatus(), MESSAGES.serverError);
    call.log(res.statusCode);
    return;
  }

  const account = authenticate(state, req.headers.authorization);
  if (account === undefined) {
    res.setHeader('WWW-Authenticate', 'Basic realm="dotdigital"');
    v2Error(res, 401, MESSAGES.unauthorized);
    call.log(401);
    return;
  }
  call.setAccount(account.id);
  if (call.api.anyRegion !== true && account.region !== call.region) {
    v2Error(res, 403, MESSAGES.accessDenied);
    call.log(403);
    return;
  }

  const now = deps.now();
  state.jobs.settle(now);
  const { limitWindowMs, resetHeaderForm } = state.settings;
  const scope = call.api.scope;
  if (fault === 'tooManyRequests') {
    const storm = state.limits.peek(tieredKey(account.id, scope), account.limits[scope], limitWindowMs, now);
    sendEmpty(res, 429, rateLimitHeaders({ ...storm, remaining: 0 }, scope, resetHeaderForm, now));
    call.log(429);
    return;
  }
  const flat = state.limits.take(
    flatKey(account.id),
    account.rateMode === 'flat' ? account.flatLimitPerHour : Number.MAX_SAFE_INTEGER,
    limitWindowMs * FLAT_WINDOWS,
    now,
  );
  if (!flat.allowed) {
    v2Error(res, 400, MESSAGES.apiUsageExceeded);
    call.log(400);
    return;
  }
  if (account.rateMode === 'tiered') {
    const decision = state.limits.take(
      tieredKey(account.id, scope),
      account.limits[scope],
      limitWindowMs,
      now,
    );
    const headers = rateLimitHeaders(decision, scope, resetHeaderForm, now);
    if (!decision.allowed) {
      sendEmpty(res, 429, headers);
      call.log(429);
      return;
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  }
  const params = (call.api.pattern.exec(call.path) ?? []).slice(1).map((p) => decodeURIComponent(p));
  call.api.handle({
    state,
    account,
    params,
    query: call.query,
    body: parseJson(call.text),
    now,
    res,
    baseUrl: call.baseUrl,
  });
  call.log(res.statusCode);
}

function authenticate(
  state: SandboxState,
  header: string | undefined,
): ReturnType<SandboxState['authenticate']> {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (m?.[1] === undefined) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return state.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
}
