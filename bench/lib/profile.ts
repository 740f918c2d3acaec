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
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly sampledMs: number;
  /** Self time share per frame, highest first. */
  readonly topFrames: readonly { frame: string; selfPercent: number }[];
  /** Self time share per code area, highest first. */
  readonly areas: readonly { area: string; selfPercent: number }[];
}

export async function profiled<T>(name: string, work: () => Promise<T>): Promise<{ result: T; profile: ProfileSummary }> {
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
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') {
      add(areas, functionName, hits);
      add(frames, functionName, hits);
      continue;
    }
    const where = shortUrl(url);
    add(frames, `${functionName === '' ? '(anonymous)' : functionName} ${where}:${lineNumber + 1}`, hits);
    add(areas, functionName === '(garbage collector)' ? 'gc' : areaOf(url), hits);
  }
  const share = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => ({ k, p: Math.round((1000 * v) / Math.max(1, total)) / 10 }));
  return {
    file,
    sampledMs: Math.round((profile.endTime - profile.startTime) / 1000),
    topFrames: share(frames, top).map(({ k, p }) => ({ frame: k, selfPercent: p })),
    areas: share(areas, 12).map(({ k, p }) => ({ area: k, selfPercent: p })),
  };
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

export function printProfile(label: string, p: ProfileSummary, frames = 10): void {
  console.log(`cpu profile of ${label} (${p.sampledMs} ms sampled, ${p.file}):`);
  console.log(`  by area: ${p.areas.map((a) => `${a.area} ${a.selfPercent}%`).join(', ')}`);
  for (const f of p.topFrames.slice(0, frames)) console.log(`  ${String(f.selfPercent).padStart(5)}%  ${f.frame}`);
}
