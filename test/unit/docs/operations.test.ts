/**
 * docs/operations.md against the code it documents: every config key with its default, every
 * metric (and nothing unregistered), every error code, every CLI command, the chart's alerts and
 * the dashboard's panels; the generated tables are current; every key is settable in the chart.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliCommands, DOC_PATH, registeredMetrics, render, sections } from '../../../scripts/gen-docs.js';
import { CONFIG_KEYS } from '../../../src/config-spec.js';
import { ERROR_CODES } from '../../../src/errors.js';

const doc = readFileSync(DOC_PATH, 'utf8');
const repo = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const row = (name: string) => doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));

describe('docs/operations.md', () => {
  it('has its generated tables up to date (else: npx tsx scripts/gen-docs.ts)', async () => {
    expect(render(doc, await sections())).toBe(doc);
  });

  it('documents every config key with its default and unit', () => {
    for (const k of CONFIG_KEYS) {
      const line = row(k.env);
      expect(line, k.env).toBeDefined();
      const expected = k.default !== undefined ? `\`${k.default}\`` : k.optional === true ? 'unset' : '**required**';
      expect(line, k.env).toContain(`| ${expected} |`);
      if (k.unit !== undefined) expect(line, k.env).toContain(`| ${k.unit} |`);
    }
  });

  it('documents every registered metric, and no metric that is not registered', () => {
    const metrics = registeredMetrics();
    for (const m of metrics) expect(row(m.name), m.name).toMatch(new RegExp(`\\| ${m.type} \\|`));
    const names = new Set(metrics.map((m) => m.name));
    const histograms = new Set(metrics.filter((m) => m.type === 'histogram').map((m) => m.name));
    const mentioned = new Set([...doc.matchAll(/dotdigital_sync_[a-z0-9_]+/g)].map((m) => m[0]));
    for (const name of mentioned) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(names.has(name) || histograms.has(base), `${name} is documented but not registered`).toBe(true);
    }
    // Short names used in prose and alerts are registered ones too.
    for (const [, short] of doc.matchAll(/`(?!dotdigital_sync_)((?:[a-z0-9]+_)+(?:total|seconds|entries|active|paused|degraded|contacts))`/g)) {
      expect(names.has(`dotdigital_sync_${short ?? ''}`), `${short ?? ''} is not a metric`).toBe(true);
    }
  });

  it('documents every error code with its retryable flag and scope', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(row(code), code).toContain(`| ${info.retryable ? 'yes' : 'no'} | ${info.scope} |`);
    }
    // Codes named in the prose (runbook, CLI notes) exist; DD_<ID>_PASSWORD-like env names are not backticked.
    for (const [, code] of doc.matchAll(/`((?:DD|DECODE|EVENT|RATE_LIMIT)_[A-Z_]+)`/g)) {
      expect(Object.hasOwn(ERROR_CODES, code ?? ''), `${code ?? ''} is not an error code`).toBe(true);
    }
  });

  it('documents every CLI command of the usage, with its options and exit codes', async () => {
    const commands = await cliCommands();
    expect(commands).toEqual(expect.arrayContaining(['run', 'replay', 'dlq', 'backfill-estimate', 'connectors', 'address-books']));
    for (const name of commands) {
      const section = doc.split(`### \`${name}\``)[1]?.split('### ')[0] ?? '';
      expect(section, name).toContain(`dotdigital-sync ${name}`);
      if (name !== 'sandbox') expect(section, name).toMatch(/Exit codes: 0 /);
    }
    expect(doc).toMatch(/\*\*4\*\* refused/);
  });

  it('covers every alert of the chart\'s PrometheusRule, and invents none', () => {
    const rule = repo('deploy/helm/dotdigital-sync/templates/prometheusrule.yaml');
    const alerts = [...rule.matchAll(/- alert: (\w+)/g)].map((m) => m[1] ?? '');
    expect(alerts.length).toBeGreaterThan(3);
    for (const a of alerts) expect(row(a), a).toBeDefined();
    for (const [name] of doc.matchAll(/DotdigitalSync\w+/g)) expect(alerts, name).toContain(name);
  });

  it('describes every panel of the Grafana dashboard', () => {
    const dashboard = JSON.parse(repo('deploy/grafana/dotdigital-sync.json')) as { panels: { type: string; title: string }[] };
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(5);
    for (const p of panels) expect(doc, p.title).toContain(`*${p.title}*`);
    for (const r of dashboard.panels.filter((p) => p.type === 'row')) expect(doc, r.title).toContain(`**${r.title}**`);
  });

  it('has the runbook entries, and its internal links resolve', () => {
    const headings = [...doc.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1] ?? '');
    for (const topic of [/stuck/i, /429/, /Redis/, /credentials/i, /Backfill/, /schema registry/i, /dead-letter topic grows/i]) {
      expect(headings.some((h) => topic.test(h)), String(topic)).toBe(true);
    }
    const slugs = new Set(headings.map((h) => h.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
    for (const [, anchor] of doc.matchAll(/\]\(#([^)]+)\)/g)) expect(slugs, anchor).toContain(anchor);
  });
});

describe('the Helm chart', () => {
  it('lets every config key be set: config or secrets in values.schema.json, or set by the chart itself', () => {
    const schema = JSON.parse(repo('deploy/helm/dotdigital-sync/values.schema.json')) as {
      properties: { config: { properties: Record<string, unknown> }; secrets: { properties: { values: { properties: Record<string, unknown> } } } };
    };
    const config = schema.properties.config.properties;
    const secrets = schema.properties.secrets.properties.values.properties;
    const configMap = repo('deploy/helm/dotdigital-sync/templates/configmap.yaml');
    for (const k of CONFIG_KEYS) {
      const where = k.type === 'secret' ? secrets : config;
      const setByChart = new RegExp(`^\\s*${escape(k.env)}: `, 'm').test(configMap);
      expect(Object.hasOwn(where, k.env) || setByChart, `${k.env} cannot be set through the chart`).toBe(true);
    }
    expect(doc).toContain('except `CONNECTORS_FILE`, which the chart points at the mounted');
  });
});
