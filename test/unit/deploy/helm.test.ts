import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS } from '../../../src/config-spec.js';
import { loadConfig } from '../../../src/config.js';
import { parseConnectors } from '../../../src/connectors/file.js';
import {
  CHART,
  FULL_VALUES,
  ofKind,
  one,
  podEnvironment,
  podSpecOf,
  readText,
  render,
  renderError,
  secretFile,
  type K8sObject,
} from './chart.js';

interface FullValues {
  config: Record<string, string | number | boolean | string[]>;
  secrets: { values: Record<string, string> };
  connectors: { items: { id: string }[]; passwords: { values: Record<string, string> } };
}
const full = parse(readText(FULL_VALUES)) as FullValues;
const FULL = ['-f', FULL_VALUES];
const RUNNING = [...FULL, '--set', 'replay.enabled=false'];
const SECRET_KEYS = CONFIG_KEYS.filter((k) => k.type === 'secret').map((k) => k.env);
const REQUIRED_KEYS = CONFIG_KEYS.filter((k) => k.default === undefined && k.optional !== true).map(
  (k) => k.env,
);

const deployment = (docs: K8sObject[]) => podSpecOf(one(docs, 'Deployment'));
const asEnvString = (v: string | number | boolean | string[]) => (Array.isArray(v) ? v.join(',') : String(v));

describe('values.schema.json', () => {
  const schema = JSON.parse(readText(join(CHART, 'values.schema.json'))) as {
    properties: {
      config: {
        properties: Record<string, { enum?: string[]; anyOf?: { minimum?: number; maximum?: number }[] }>;
        required: string[];
      };
      secrets: { properties: { values: { properties: object }; existingSecretKeys: { properties: object } } };
    };
  };

  it("accepts exactly the non-secret CONFIG_KEYS under config (CONNECTORS_FILE is the chart's), with their enums and bounds", () => {
    const expected = CONFIG_KEYS.filter((k) => k.type !== 'secret' && k.env !== 'CONNECTORS_FILE');
    expect(Object.keys(schema.properties.config.properties).sort()).toEqual(
      expected.map((k) => k.env).sort(),
    );
    for (const k of expected) {
      const prop = schema.properties.config.properties[k.env]!;
      if (k.type === 'enum') expect(prop.enum, k.env).toEqual(k.values);
      if (k.type === 'int')
        expect([prop.anyOf?.[0]?.minimum, prop.anyOf?.[0]?.maximum], k.env).toEqual([k.min, k.max]);
    }
    expect(schema.properties.config.required.sort()).toEqual(
      REQUIRED_KEYS.filter((k) => k !== 'CONNECTORS_FILE').sort(),
    );
  });

  it('accepts exactly the secret-typed CONFIG_KEYS under secrets', () => {
    expect(Object.keys(schema.properties.secrets.properties.values.properties).sort()).toEqual(
      [...SECRET_KEYS].sort(),
    );
    expect(Object.keys(schema.properties.secrets.properties.existingSecretKeys.properties).sort()).toEqual(
      [...SECRET_KEYS].sort(),
    );
  });

  it('rejects unknown settings and secrets given as plain settings', () => {
    expect(renderError(['--set', 'config.NOT_A_SETTING=1'])).toMatch(/NOT_A_SETTING/);
    expect(renderError(['--set', 'config.ADMIN_TOKEN=t0ken'])).toMatch(/ADMIN_TOKEN/);
    expect(renderError(['--set', 'config.CONNECTORS_FILE=/x'])).toMatch(/CONNECTORS_FILE/);
  });
});

describe('Deployment environment', () => {
  it('defaults: every required setting is wired and the environment passes loadConfig', () => {
    const docs = render();
    const { env, external } = podEnvironment(docs, deployment(docs));
    expect(external).toEqual([]);
    for (const key of REQUIRED_KEYS) expect(env[key], key).toBeTruthy();
    expect(env.CONNECTORS_FILE).toBe('/etc/dotdigital-sync/connectors.yaml');
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('full values: every setting given reaches the container with its value', () => {
    const docs = render(RUNNING);
    const { env, external } = podEnvironment(docs, deployment(docs));
    expect(external).toEqual([]);
    for (const [key, value] of Object.entries(full.config)) expect(env[key], key).toBe(asEnvString(value));
    for (const [key, value] of Object.entries(full.secrets.values)) expect(env[key], key).toBe(value);
    const config = loadConfig(env);
    expect(config.kafka.sasl?.password).toBe(full.secrets.values.KAFKA_SASL_PASSWORD);
    expect(config.redis.password).toBe(full.secrets.values.REDIS_PASSWORD);
    expect(config.service.adminToken).toBe(full.secrets.values.ADMIN_TOKEN);
    expect(config.windowing.windowMs).toBe(full.config.WINDOW_MS);
  });

  it('LIMIT_EXPECTED_REPLICAS follows the replica count unless set', () => {
    const env = (args: string[]) =>
      podEnvironment(render(args), deployment(render(args))).env.LIMIT_EXPECTED_REPLICAS;
    expect(env(['--set', 'replicaCount=4'])).toBe('4');
    expect(env(['--set', 'autoscaling.enabled=true', '--set', 'autoscaling.maxReplicas=9'])).toBe('9');
    expect(env(['--set', 'config.LIMIT_EXPECTED_REPLICAS=2'])).toBe('2');
  });

  for (const [mode, args] of [
    ['passwords as env vars', [...RUNNING, '--set', 'connectors.passwords.asFiles=false']],
    ['passwords as files', [...RUNNING, '--set', 'connectors.passwords.asFiles=true']],
  ] as const) {
    it(`connectors file (${mode}) parses, with each connector's password from the Secret`, () => {
      const docs = render(args);
      const pod = deployment(docs);
      const { env } = podEnvironment(docs, pod);
      const cm = ofKind(docs, 'ConfigMap').find((c) => c.metadata.name.endsWith('-connectors'))!;
      const mount = pod.containers[0]!.volumeMounts!.find(
        (m) => m.name === pod.volumes!.find((v) => v.configMap?.name === cm.metadata.name)?.name,
      );
      expect(`${mount?.mountPath}/connectors.yaml`).toBe(env.CONNECTORS_FILE);
      const readSecret = (path: string) => {
        const value = secretFile(docs, pod, path)?.value;
        if (value === undefined) throw Object.assign(new Error(path), { code: 'ENOENT' });
        return value;
      };
      const connectors = parseConnectors(cm.data!['connectors.yaml']!, env, readSecret);
      expect(connectors.map((c) => [c.id, c.password])).toEqual(
        full.connectors.items.map((c) => [c.id, full.connectors.passwords.values[c.id]]),
      );
    });
  }
});

describe('pod shape', () => {
  it('probes: liveness on /healthz, readiness on /readyz, on the HTTP_PORT', () => {
    for (const [args, port] of [
      [[], 8080],
      [RUNNING, Number(full.config.HTTP_PORT)],
    ] as const) {
      const c = deployment(render(args)).containers[0]!;
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
      const named = c.ports?.find((p) => p.name === c.readinessProbe?.httpGet?.port);
      expect(named?.containerPort).toBe(port);
    }
  });

  it('terminationGracePeriodSeconds is above SHUTDOWN_DEADLINE_MS', () => {
    const defaultMs = Number(CONFIG_KEYS.find((k) => k.env === 'SHUTDOWN_DEADLINE_MS')?.default);
    const cases: [string[], number][] = [
      [[], defaultMs],
      [RUNNING, Number(full.config.SHUTDOWN_DEADLINE_MS)],
      [['--set', 'config.SHUTDOWN_DEADLINE_MS=120000'], 120000],
    ];
    for (const [args, ms] of cases) {
      expect(deployment(render(args)).terminationGracePeriodSeconds).toBeGreaterThan(ms / 1000);
    }
  });

  it('runs non-root with a read-only root filesystem (not overridable) and an emptyDir /tmp', () => {
    for (const args of [
      [],
      RUNNING,
      [
        '--set',
        'securityContext.readOnlyRootFilesystem=false',
        '--set',
        'securityContext.allowPrivilegeEscalation=true',
      ],
    ]) {
      const pod = deployment(render(args));
      const c = pod.containers[0]!;
      expect(c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot).toBe(true);
      expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
      expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    }
  });

  it('PodDisruptionBudget only when more than one replica runs', () => {
    const pdbs = (args: string[]) => ofKind(render(args), 'PodDisruptionBudget').length;
    expect(pdbs([])).toBe(1);
    expect(pdbs(['--set', 'replicaCount=1'])).toBe(0);
    expect(pdbs(['--set', 'autoscaling.enabled=true', '--set', 'autoscaling.minReplicas=2'])).toBe(1);
    expect(pdbs(['--set', 'autoscaling.enabled=true', '--set', 'autoscaling.minReplicas=1'])).toBe(0);
    expect(pdbs(FULL)).toBe(0); // replay: the Deployment is at 0
  });

  it('standard labels on every object; the Service selects the Deployment pods', () => {
    const docs = render(RUNNING);
    for (const d of docs) {
      for (const l of [
        'app.kubernetes.io/name',
        'app.kubernetes.io/instance',
        'app.kubernetes.io/version',
        'app.kubernetes.io/managed-by',
        'helm.sh/chart',
      ]) {
        expect(d.metadata.labels?.[l], `${d.kind} ${l}`).toBeTruthy();
      }
    }
    const podLabels = (
      one(docs, 'Deployment').spec?.template as { metadata: { labels: Record<string, string> } }
    ).metadata.labels;
    expect(podLabels).toMatchObject(
      (one(docs, 'Service').spec as { selector: Record<string, string> }).selector,
    );
  });
});
