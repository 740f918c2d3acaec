/**
 * CPU profile of one phase of a benchmark (the V8 sampler, as `node --cpu-prof` uses it, but
 * started and stopped around the phase only), saved as a .cpuprofile and summarised: the top
 * frames by self time, and self time per code area (a package under node_modules, a folder of
 * src/, node internals, GC).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Shares are of the busy samples (idle left out: it is time spent waiting for Kafka or timers). */
export interface ProfileSummary {
  readonly file: string;
  readonly sampledMs: number;
  readonly idlePercent: number;
  /** Self time share per frame, highest first. */
  readonly topFrames: readonly { frame: string; selfPercent: number }[];
  /** Self time share per code area, highest first. */
  readonly areas: readonly { area: string; selfPercent: number }[];
  /** Functions of the project (src/) by time spent in them and what they call. */
  readonly projectInclusive: readonly { frame: string; inclusivePercent: number }[];
}

export async function profiled<T>(
  name: string,
  work: () => Promise<T>,
): Promise<{ result: T; profile: ProfileSummary }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  let result: T;
  let summary: ProfileSummary;
  try {
    result = await work();
  } finally {
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    const file = join(tmpdir(), `bench-${name}-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    summary = summarise(profile, file);
  }
  return { result, profile: summary };
}

export function summarise(profile: CpuProfile, file: string, top = 15): ProfileSummary {
  const frames = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    if (hits === 0) continue;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') {
      idle += hits;
      continue;
    }
    add(frames, label(node.callFrame), hits);
    add(
      areas,
      functionName === '(garbage collector)'
        ? 'gc'
        : functionName === '(program)'
          ? 'V8 (program)'
          : areaOf(url),
      hits,
    );
  }
  const busy = Math.max(1, total - idle);
  const share = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => ({ k, p: percent(v, busy) }));
  return {
    file,
    sampledMs: Math.round((profile.endTime - profile.startTime) / 1000),
    idlePercent: percent(idle, Math.max(1, total)),
    topFrames: share(frames, top).map(({ k, p }) => ({ frame: k, selfPercent: p })),
    areas: share(areas, 12).map(({ k, p }) => ({ area: k, selfPercent: p })),
    projectInclusive: inclusive(profile, busy, top),
  };
}

/** Time in each src/ function including its callees, counted once per sample however deep the recursion. */
function inclusive(
  profile: CpuProfile,
  busy: number,
  top: number,
): { frame: string; inclusivePercent: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  const onStack = new Set<string>();
  const walk = (id: number): number => {
    const node = byId.get(id);
    if (node === undefined) return 0;
    const { url } = node.callFrame;
    const key = url.includes('/src/') && !url.includes('node_modules') ? label(node.callFrame) : undefined;
    const fresh = key !== undefined && !onStack.has(key);
    if (fresh) onStack.add(key);
    let hits = node.callFrame.functionName === '(idle)' ? 0 : (node.hitCount ?? 0);
    for (const child of node.children ?? []) hits += walk(child);
    if (fresh) {
      onStack.delete(key);
      add(totals, key, hits);
    }
    return hits;
  };
  const root = profile.nodes[0];
  if (root !== undefined) walk(root.id);
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, v]) => ({ frame, inclusivePercent: percent(v, busy) }));
}

const percent = (part: number, whole: number): number => Math.round((1000 * part) / whole) / 10;

/** tsx emits each module on one line, so a line number says nothing for src/ and bench/ frames. */
function label({ functionName, url, lineNumber }: CallFrame): string {
  if (functionName.startsWith('(')) return functionName;
  const where = shortUrl(url);
  const line = /^(src|bench)\//.test(where) ? '' : `:${lineNumber + 1}`;
  return `${functionName === '' ? '(anonymous)' : functionName} ${where}${line}`;
}

function add(m: Map<string, number>, key: string, n: number): void {
  m.set(key, (m.get(key) ?? 0) + n);
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const src = url.search(/\/(src|bench)\//);
  if (src >= 0) return url.slice(src + 1);
  return url === '' ? '(native)' : url.replace(/^node:/, '');
}

function areaOf(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  const m = /\/(src\/[^/]+|bench)\//.exec(url);
  if (m?.[1] !== undefined) return m[1];
  if (url.startsWith('node:')) return 'node internals';
  return url === '' ? 'native / V8' : 'other';
}

export function printProfile(what: string, p: ProfileSummary, frames = 10): void {
  console.log(
    `cpu profile of ${what} (${p.sampledMs} ms sampled, ${p.idlePercent}% idle; shares of busy time; ${p.file}):`,
  );
  console.log(`  self time by area: ${p.areas.map((a) => `${a.area} ${a.selfPercent}%`).join(', ')}`);
  console.log('  self time by frame:');
  for (const f of p.topFrames.slice(0, frames))
    console.log(`  ${String(f.selfPercent).padStart(5)}%  ${f.frame}`);
  if (p.projectInclusive.length > 0) console.log('  src/ functions with their callees:');
  for (const f of p.projectInclusive.slice(0, frames))
    console.log(`  ${String(f.inclusivePercent).padStart(5)}%  ${f.frame}`);
}
