/**
 * The connectors file (CONNECTORS_FILE, YAML). Passwords are never in the file itself: each
 * connector names an environment variable (passwordEnv) or a mounted file (passwordFile).
 * Every problem is collected and reported at once.
 *
 *   connectors:
 *     - id: acme-eu                      # [A-Za-z0-9._-]{1,64}, unique; the events' connectorId
 *       name: ACME Europe
 *       username: apiuser-123@apiconnector.com
 *       passwordEnv: DD_ACME_EU_PASSWORD   # or passwordFile: /var/run/secrets/dotdigital/acme-eu
 *       region: r1                        # optional: skips region detection
 *       limits: { addPerMinute: 75, removePerMinute: 35 }   # optional
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from '../errors.js';
import { Connector, type ConnectorLimits, type Region } from './connector.js';

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const KEYS = new Set(['id', 'name', 'username', 'passwordEnv', 'passwordFile', 'region', 'limits']);
const LIMIT_KEYS = new Set(['addPerMinute', 'removePerMinute']);

type Env = Readonly<Record<string, string | undefined>>;

export function parseConnectors(text: string, env: Env, readSecret: (path: string) => string = (p) => readFileSync(p, 'utf8')): Connector[] {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError([`not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`], 'connectors file');
  }
  const list = (doc as { connectors?: unknown } | null)?.connectors;
  if (!Array.isArray(list)) throw new ConfigError(['top-level key "connectors" must be a list'], 'connectors file');
  const seen = new Set<string>();
  const out: Connector[] = [];
  list.forEach((raw: unknown, i) => {
    const at = `connectors[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${at} must be a mapping`);
      return;
    }
    const c = raw as Record<string, unknown>;
    const where = typeof c.id === 'string' ? `${at} (${c.id})` : at;
    for (const k of Object.keys(c)) if (!KEYS.has(k)) problems.push(`${where}: unknown key "${k}"`);
    const str = (k: string): string | undefined => {
      const v = c[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string' || v.trim() === '') {
        problems.push(`${where}: ${k} must be a non-empty string`);
        return undefined;
      }
      return v.trim();
    };
    const id = str('id');
    if (id === undefined) problems.push(`${where}: id is required`);
    else if (!ID.test(id)) problems.push(`${where}: id must match ${ID.source}`);
    else if (seen.has(id)) problems.push(`${where}: id is not unique`);
    else seen.add(id);
    const name = str('name') ?? id;
    const username = str('username');
    if (username === undefined) problems.push(`${where}: username is required`);
    const passwordEnv = str('passwordEnv');
    const passwordFile = str('passwordFile');
    let password: string | undefined;
    if ((passwordEnv === undefined) === (passwordFile === undefined)) {
      problems.push(`${where}: exactly one of passwordEnv or passwordFile is required (the password itself never goes in this file)`);
    } else if (passwordEnv !== undefined) {
      password = env[passwordEnv];
      if (password === undefined || password === '') problems.push(`${where}: environment variable ${passwordEnv} is not set`);
    } else if (passwordFile !== undefined) {
      try {
        password = readSecret(passwordFile).trim();
        if (password === '') problems.push(`${where}: password file ${passwordFile} is empty`);
      } catch (err) {
        problems.push(`${where}: cannot read password file ${passwordFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    const region = str('region');
    if (region !== undefined && !['r1', 'r2', 'r3'].includes(region)) problems.push(`${where}: region must be r1, r2 or r3`);
    const limits = parseLimits(c.limits, where, problems);
    if (id !== undefined && name !== undefined && username !== undefined && password !== undefined && password !== '') {
      out.push(new Connector({ id, name, username, password, region: region as Region | undefined, limits }));
    }
  });
  if (problems.length > 0) throw new ConfigError(problems, 'connectors file');
  return out;
}

function parseLimits(raw: unknown, where: string, problems: string[]): ConnectorLimits | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`${where}: limits must be a mapping`);
    return undefined;
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!LIMIT_KEYS.has(k)) problems.push(`${where}: unknown key "limits.${k}"`);
    else if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.push(`${where}: limits.${k} must be a positive integer (requests/min)`);
    else out[k] = v;
  }
  return out;
}

export function loadConnectorsFile(path: string, env: Env = process.env): Connector[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`], 'connectors file');
  }
  return parseConnectors(text, env);
}
