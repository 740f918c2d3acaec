/**
 * Renders the Helm chart with the real helm binary (no cluster, no network) and gives the
 * rendered objects typed just enough for the chart tests.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const CHART = join(ROOT, 'deploy/helm/dotdigital-sync');
export const FULL_VALUES = join(CHART, 'ci/full-values.yaml');

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
}
export interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
}
export interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
}
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let helmPath: string | undefined;
export function helm(): string {
  if (helmPath !== undefined) return helmPath;
  const candidates = [
    join(ROOT, '.tools/bin/helm'),
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter((d) => d !== '')
      .map((d) => join(d, 'helm')),
  ];
  const found = candidates.find(executable);
  if (found === undefined)
    throw new Error('helm v3 not found in .tools/bin or on PATH: run `bash scripts/install-helm.sh` first');
  helmPath = found;
  return found;
}

/** `helm template` of the chart; `args` are extra flags (-f, --set). Throws with helm's stderr. */
export function render(args: readonly string[] = [], chart: string = CHART): K8sObject[] {
  const bin = helm();
  let out: string;
  try {
    out = execFileSync(
      bin,
      ['template', 'dds', chart, '--namespace', 'sync', '--kube-version', '1.30.0', ...args],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (err) {
    const stderr = (err as { stderr?: Buffer | string }).stderr;
    throw new Error(`helm template failed: ${String(stderr ?? err)}`, { cause: err });
  }
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((d): d is K8sObject => d !== null);
}

/**
 * NOTES.txt as `helm install` would print it: helm template skips NOTES, so a copy of the chart
 * gets a ConfigMap template that renders the same text through `tpl`.
 */
export function renderNotes(args: readonly string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'dds-chart-'));
  try {
    cpSync(CHART, dir, { recursive: true });
    cpSync(join(CHART, 'templates/NOTES.txt'), join(dir, 'notes.txt'));
    writeFileSync(
      join(dir, 'templates/zz-notes.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: notes }\ndata:\n  notes: {{ tpl (.Files.Get "notes.txt") . | toJson }}\n',
    );
    const cm = render(args, dir).find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'notes');
    return cm?.data?.notes ?? '';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderError(args: readonly string[]): string {
  try {
    render(args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`helm template succeeded with ${args.join(' ')}`);
}

export function ofKind(docs: readonly K8sObject[], kind: string): K8sObject[] {
  return docs.filter((d) => d.kind === kind);
}

export function one(docs: readonly K8sObject[], kind: string): K8sObject {
  const found = ofKind(docs, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, got ${found.length}`);
  return found[0]!;
}

export function podSpecOf(workload: K8sObject): PodSpec {
  const template = workload.spec?.template as { spec: PodSpec } | undefined;
  if (template === undefined) throw new Error(`${workload.kind} has no pod template`);
  return template.spec;
}

export function secretData(docs: readonly K8sObject[], name: string): Record<string, string> {
  const secret = ofKind(docs, 'Secret').find((s) => s.metadata.name === name);
  if (secret === undefined) throw new Error(`no Secret ${name} rendered`);
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

/**
 * The environment the container would see, resolved as the kubelet would: envFrom ConfigMaps,
 * then env (secretKeyRef values read from the rendered Secrets). A NAME_FILE pointing into a
 * mounted Secret is resolved to NAME = the secret's value (that is what config.ts reads).
 * Only Secrets rendered by the chart can be resolved; refs to others are listed in `external`.
 */
export function podEnvironment(
  docs: readonly K8sObject[],
  pod: PodSpec,
): { env: Record<string, string>; external: string[] } {
  const container = pod.containers[0]!;
  const env: Record<string, string> = {};
  const external: string[] = [];
  const configMaps = ofKind(docs, 'ConfigMap');
  const secretNames = new Set(ofKind(docs, 'Secret').map((s) => s.metadata.name));
  for (const from of container.envFrom ?? []) {
    const cm = configMaps.find((c) => c.metadata.name === from.configMapRef?.name);
    if (cm === undefined)
      throw new Error(`envFrom names a ConfigMap that is not rendered: ${JSON.stringify(from)}`);
    Object.assign(env, cm.data);
  }
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref !== undefined) {
      if (secretNames.has(ref.name)) env[e.name] = secretData(docs, ref.name)[ref.key] ?? '';
      else external.push(e.name);
    } else if (e.value !== undefined) {
      env[e.name] = e.value;
      const file = secretFile(docs, pod, e.value);
      if (e.name.endsWith('_FILE') && file !== undefined) {
        if (file.value === undefined) external.push(e.name);
        else {
          env[e.name.slice(0, -'_FILE'.length)] = file.value;
          Reflect.deleteProperty(env, e.name);
        }
      }
    }
  }
  return { env, external };
}

/** The Secret key behind a path inside a mounted Secret volume (value when chart-rendered). */
export function secretFile(
  docs: readonly K8sObject[],
  pod: PodSpec,
  path: string,
): { secret: string; key: string; value: string | undefined } | undefined {
  for (const mount of pod.containers[0]?.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (volume?.secret === undefined || !path.startsWith(`${mount.mountPath}/`)) continue;
    const rel = path.slice(mount.mountPath.length + 1);
    const key =
      volume.secret.items === undefined ? rel : volume.secret.items.find((i) => i.path === rel)?.key;
    if (key === undefined) continue;
    const rendered = ofKind(docs, 'Secret').some((s) => s.metadata.name === volume.secret?.secretName);
    return {
      secret: volume.secret.secretName,
      key,
      value: rendered ? secretData(docs, volume.secret.secretName)[key] : undefined,
    };
  }
  return undefined;
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
