import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS } from '../../../src/config-spec.js';
import { createMetrics } from '../../../src/metrics.js';
import {
  FULL_VALUES,
  ROOT,
  ofKind,
  one,
  podEnvironment,
  podSpecOf,
  readText,
  render,
  renderError,
  renderNotes,
} from './chart.js';

interface FullValues {
  secrets: { values: Record<string, string> };
  connectors: { passwords: { values: Record<string, string> } };
  config: { WINDOW_MS: number; KAFKA_GROUP_ID: string; KAFKA_TOPICS: string[] };
  replay: { toTimestamp: string };
}
const full = parse(readText(FULL_VALUES)) as FullValues;
const FULL = ['-f', FULL_VALUES];
const RUNNING = [...FULL, '--set', 'replay.enabled=false'];
const SECRET_KEYS = new Set(CONFIG_KEYS.filter((k) => k.type === 'secret').map((k) => k.env));
const SECRETS = [...Object.values(full.secrets.values), ...Object.values(full.connectors.passwords.values)];

const EXISTING = [
  ...RUNNING,
  ...[
    'secrets.values=null',
    'secrets.existingSecret=ops-settings',
    'secrets.existingSecretKeys.KAFKA_SASL_PASSWORD=sasl',
    'secrets.existingSecretKeys.ADMIN_TOKEN=admin',
  ]
    .concat(['connectors.passwords.values=null', 'connectors.passwords.existingSecret=ops-connectors'])
    .flatMap((a) => ['--set', a]),
];

describe('secrets', () => {
  const variants: [string, string[]][] = [
    ['full values (settings as files, passwords as env)', FULL],
    [
      'settings as env, passwords as files',
      [...RUNNING, '--set', 'secrets.asFiles=false', '--set', 'connectors.passwords.asFiles=true'],
    ],
  ];
  for (const [name, args] of variants) {
    it(`${name}: no secret value in any object but a Secret; env gets them only by reference`, () => {
      const docs = render(args);
      const secretsText = JSON.stringify(ofKind(docs, 'Secret').map((s) => s.data));
      for (const s of SECRETS)
        expect(secretsText, 'the Secrets hold them (else this test proves nothing)').toContain(
          Buffer.from(s).toString('base64'),
        );
      for (const d of docs.filter((x) => x.kind !== 'Secret')) {
        const text = JSON.stringify(d);
        for (const s of SECRETS) {
          expect(text.includes(s), `${d.kind} ${d.metadata.name} holds a secret`).toBe(false);
          expect(
            text.includes(Buffer.from(s).toString('base64')),
            `${d.kind} ${d.metadata.name} holds a secret (base64)`,
          ).toBe(false);
        }
      }
      for (const w of [...ofKind(docs, 'Deployment'), ...ofKind(docs, 'Job')]) {
        for (const e of podSpecOf(w).containers[0]!.env ?? []) {
          if (SECRET_KEYS.has(e.name) || /^DD_.*_PASSWORD$/.test(e.name))
            expect(e.valueFrom?.secretKeyRef, e.name).toBeDefined();
          if (e.name.endsWith('_FILE') && SECRET_KEYS.has(e.name.slice(0, -5)))
            expect(e.value).toMatch(/^\/var\/run\/secrets\//);
        }
      }
    });
  }

  it('existing Secrets: referenced by name and key, none created', () => {
    const docs = render(EXISTING);
    expect(ofKind(docs, 'Secret')).toEqual([]);
    const pod = podSpecOf(one(docs, 'Deployment'));
    const { external } = podEnvironment(docs, pod);
    expect(external.sort()).toEqual([
      'ADMIN_TOKEN_FILE',
      'DD_ACME_EU_PASSWORD',
      'DD_ACME_US_PASSWORD',
      'KAFKA_SASL_PASSWORD_FILE',
    ]);
    const settings = pod.volumes?.find((v) => v.secret?.secretName === 'ops-settings');
    expect(settings?.secret?.items).toEqual([
      { key: 'admin', path: 'ADMIN_TOKEN' },
      { key: 'sasl', path: 'KAFKA_SASL_PASSWORD' },
    ]);
    const refs = pod.containers[0]!.env!.filter((e) => e.valueFrom?.secretKeyRef?.name === 'ops-connectors');
    expect(refs.map((e) => [e.name, e.valueFrom?.secretKeyRef?.key])).toEqual([
      ['DD_ACME_EU_PASSWORD', 'acme-eu'],
      ['DD_ACME_US_PASSWORD', 'acme.us'],
    ]);
  });

  it('refuses passwords where they would be inlined, and SASL without its password', () => {
    expect(renderError(['--set', 'config.REDIS_URL=redis://:hunter2@redis:6379'])).toMatch(
      /REDIS_URL carries a password/,
    );
    expect(renderError(['--set', 'config.SCHEMA_REGISTRY_URL=https://u:hunter2@registry'])).toMatch(
      /SCHEMA_REGISTRY_URL carries a password/,
    );
    expect(
      renderError([
        '--set',
        'connectors.items[0].id=a',
        '--set',
        'connectors.items[0].username=u',
        '--set',
        'connectors.items[0].password=hunter2',
      ]),
    ).toMatch(/password/);
    expect(
      renderError(['--set', 'connectors.items[0].id=a', '--set', 'connectors.items[0].username=u']),
    ).toMatch(/connector a has no password/);
    expect(
      renderError(['--set', 'config.KAFKA_SASL_MECHANISM=plain', '--set', 'config.KAFKA_SASL_USERNAME=u']),
    ).toMatch(/KAFKA_SASL_PASSWORD/);
    expect(renderError(['--set', 'config.KAFKA_BROKERS=null'])).toMatch(/KAFKA_BROKERS/);
  });
});

describe('replay Job', () => {
  it('full values: Deployment at 0, autoscaler paused, Job with the replay command and --yes', () => {
    const docs = render(FULL);
    expect(one(docs, 'Deployment').spec?.replicas).toBe(0);
    expect(one(docs, 'ScaledObject').metadata.annotations?.['autoscaling.keda.sh/paused-replicas']).toBe('0');
    const job = podSpecOf(one(docs, 'Job'));
    expect(job.containers[0]!.args).toEqual([
      'node',
      'dist/src/cli.js',
      'replay',
      '--group',
      full.config.KAFKA_GROUP_ID,
      '--topic',
      full.config.KAFKA_TOPICS[0],
      '--to-timestamp',
      full.replay.toTimestamp,
      '--yes',
    ]);
    expect(podEnvironment(docs, job).env.KAFKA_BROKERS).toBeTruthy();
  });

  it('dry run by default; one Job name per distinct request; exactly one target', () => {
    const base = ['--set', 'replicaCount=2', '--set', 'replay.enabled=true'];
    const job = (args: string[]) => one(render([...base, ...args]), 'Job');
    const earliest = job(['--set', 'replay.toEarliest=true']);
    expect(podSpecOf(earliest).containers[0]!.args).toEqual([
      'node',
      'dist/src/cli.js',
      'replay',
      '--group',
      'dotdigital-sync',
      '--topic',
      'membership-changes',
      '--to-earliest',
      '--dry-run',
    ]);
    expect(job(['--set', 'replay.toEarliest=true']).metadata.name).toBe(earliest.metadata.name);
    expect(job(['--set', 'replay.toOffsets=0:10']).metadata.name).not.toBe(earliest.metadata.name);
    expect(renderError(base)).toMatch(/exactly one of/);
    expect(
      renderError([...base, '--set', 'replay.toEarliest=true', '--set', 'replay.toOffsets=0:1']),
    ).toMatch(/exactly one of/);
    expect(ofKind(render(RUNNING), 'Job')).toEqual([]);
  });

  it('NOTES say when the service is stopped for a replay, and how to replay otherwise', () => {
    expect(renderNotes(FULL)).toMatch(/REPLAY MODE.*scaled to 0/);
    const running = renderNotes();
    expect(running).toMatch(/is running as dds-dotdigital-sync/);
    expect(running).toMatch(/replay\.enabled=true/);
    expect(running).toMatch(/connectors\.items is empty/);
  });
});

describe('autoscaling', () => {
  const windowSeconds = full.config.WINDOW_MS / 1000;

  it('KEDA scales on the oldest unfinished offset age, above one window, not on consumer lag', () => {
    const so = one(render(RUNNING), 'ScaledObject');
    const trigger = (
      so.spec?.triggers as { type: string; metadata: { query: string; threshold: string } }[]
    )[0]!;
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata.query).toMatch(
      /^max\(dotdigital_sync_oldest_uncommitted_age_seconds\{namespace="sync",service="dds-dotdigital-sync"\}\)$/,
    );
    expect(trigger.metadata.query).not.toMatch(/lag/);
    expect(Number(trigger.metadata.threshold)).toBeGreaterThan(windowSeconds);
    expect(one(render(RUNNING), 'Deployment').spec?.replicas).toBeUndefined();
    const custom = one(render([...RUNNING, '--set', 'autoscaling.keda.query=max(my_age)']), 'ScaledObject');
    expect(JSON.stringify(custom.spec)).toContain('"query":"max(my_age)"');
  });

  it('HPA variant uses the same metric as an External Value target', () => {
    const docs = render([
      ...RUNNING,
      '--set',
      'autoscaling.kind=hpa',
      '--set',
      'autoscaling.metric=oldest_buffered_age',
    ]);
    expect(ofKind(docs, 'ScaledObject')).toEqual([]);
    const metric = (
      one(docs, 'HorizontalPodAutoscaler').spec?.metrics as {
        external: { metric: { name: string }; target: { type: string; value: string } };
      }[]
    )[0]!;
    expect(metric.external.metric.name).toBe('dotdigital_sync_oldest_buffered_age_seconds');
    expect(metric.external.target.type).toBe('Value');
    expect(Number(metric.external.target.value)).toBeGreaterThan(windowSeconds);
  });
});

describe('monitoring', () => {
  const known = new Set(
    createMetrics()
      .registry.getMetricsAsArray()
      .flatMap((m) => [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]),
  );
  const used = (text: string) => [...new Set(text.match(/dotdigital_sync_[a-z0-9_]+/g) ?? [])];

  it('ServiceMonitor scrapes /metrics on the Service port; alert rules use only metrics that exist', () => {
    const docs = render(RUNNING);
    const endpoint = (one(docs, 'ServiceMonitor').spec?.endpoints as { port: string; path: string }[])[0]!;
    expect(endpoint.path).toBe('/metrics');
    expect((one(docs, 'Service').spec?.ports as { name: string }[]).map((p) => p.name)).toContain(
      endpoint.port,
    );
    const rules = one(docs, 'PrometheusRule');
    const names = used(JSON.stringify(rules.spec));
    expect(names.length).toBeGreaterThan(4);
    for (const n of names) expect(known.has(n), n).toBe(true);
    expect(ofKind(render(), 'PrometheusRule')).toEqual([]);
  });

  it('the Grafana dashboard queries only metrics that exist', () => {
    const dashboard = JSON.parse(readText(join(ROOT, 'deploy/grafana/dotdigital-sync.json'))) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    const names = used(exprs.join('\n'));
    for (const n of names) expect(known.has(n), n).toBe(true);
    for (const needed of [
      'dotdigital_sync_batches_total',
      'dotdigital_sync_dead_letters_total',
      'dotdigital_sync_ratelimit_429_total',
      'dotdigital_sync_ratelimit_fallback_active',
      'dotdigital_sync_buffered_entries',
      'dotdigital_sync_oldest_buffered_age_seconds',
      'dotdigital_sync_oldest_uncommitted_age_seconds',
      'dotdigital_sync_api_request_duration_seconds_bucket',
    ]) {
      expect(names, needed).toContain(needed);
    }
  });
});
