/**
 * Micro-benchmark of src/windowing (not a test): events per second through store + ledger on one
 * core, and heap bytes per buffered entry. Writes bench/results/windowing.json and ends with one
 * summary line.
 *
 *   npx tsx bench/windowing.ts      (re-runs itself under --expose-gc when gc is not exposed)
 *
 * Throughput: 1,000,000 events over 10,000 books (10 connectors, 12 partitions) and 2,000,000
 * contacts, the clock advancing over one simulated hour, driven the way the consumer drives it:
 * per batch of 1,000 records (built untimed just before, like decoded records), add every record,
 * then take every due batch, settle each entry, complete the batch and read committable() for each
 * partition; a flush at the end. Timed is the main thread's CPU time in Windowing only (the goal is
 * per core; on a shared machine wall-clock time also counts other processes), wall time is
 * reported too. For scale, the same workload through a bare `Map` get + set per event (the least a
 * contact index can do) is measured the same way.
 *
 * Memory: 1,000,000 distinct contacts buffered, measured after full GCs; the events are built
 * before the baseline (they belong to the consumer), so the figure is what the store and the ledger
 * add per entry; the figure with the events is reported too.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MembershipChange, SourceOffset } from '../src/windowing/index.js';
import { Windowing } from '../src/windowing/index.js';

const EVENTS = 1_000_000;
const BOOKS = 10_000;
const CONNECTORS = 10;
const PARTITIONS = 12;
const TOPIC = 'membership-changes';
const SIMULATED_MS = 3_600_000;
/** Records per kafkajs batch: the consumer adds them, then the scheduler takes what is due. */
const BATCH = 1000;
/** Contacts are drawn from this many, so a few events coalesce. */
const CONTACTS = 2_000_000;
const RUNS = 3;
const GOAL_EVENTS_PER_S = 1_000_000;
const GOAL_BYTES_PER_ENTRY = 300;

const here = dirname(fileURLToPath(import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc;

if (gc === undefined) {
  // Same process arguments (the tsx loader), plus --expose-gc.
  execFileSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
  });
  process.exit(0);
}

/** Deterministic pseudo-random numbers (mulberry32), so every run sees the same workload. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Builds records the way the consumer gets them from one kafkajs batch: decoded just before they
 * are handed over (so, like the real thing, they are fresh in the CPU caches). `contactOf` picks
 * the contact number of record i.
 */
class Records {
  private readonly rnd = random(42);
  private readonly connectors = Array.from({ length: CONNECTORS }, (_, c) => `connector-${c}`);
  private readonly nextOffset = new Array<number>(PARTITIONS).fill(0);
  private readonly source = { kind: 'AUDIENCE' as const, id: 'audience-1', stepId: null };
  private i = 0;
  readonly events: MembershipChange[] = [];
  readonly sources: SourceOffset[] = [];

  constructor(private readonly contactOf: (i: number, rnd: () => number) => number) {}

  /** Replaces events/sources with the next `n` records. */
  fill(n: number): void {
    this.events.length = 0;
    this.sources.length = 0;
    for (let k = 0; k < n; k++, this.i++) {
      const i = this.i;
      const book = Math.floor(this.rnd() * BOOKS);
      const c = book % CONNECTORS;
      const partition = c % PARTITIONS;
      // Decoded strings are flat; template literals would be cons strings, flattened on first hash.
      const email = flat(`user${this.contactOf(i, this.rnd)}@example.com`);
      this.events.push({
        eventId: flat(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
        occurredAt: 1_700_000_000_000 + i,
        connectorId: this.connectors[c]!,
        source: this.source,
        addressBookId: book + 1,
        action: this.rnd() < 0.8 ? 'ADD' : 'REMOVE',
        profile: { profileId: flat(`p${i}`), email, contactId: null, mobileNumber: null },
      });
      this.sources.push({ topic: TOPIC, partition, offset: this.nextOffset[partition]!++ });
    }
  }
}

function flat(s: string): string {
  return Buffer.from(s).toString();
}

function assignment(): { topic: string; partition: number }[] {
  return Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition }));
}

interface Rate {
  /** Events per second of wall-clock time spent in store + ledger. */
  readonly wall: number;
  /** Events per second of CPU time of the main thread in store + ledger (robust on a shared machine). */
  readonly cpu: number;
}

function cpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/** One pass of the consumer's loop. */
function throughputRun(): Rate {
  const records = new Records((_, rnd) => Math.floor(rnd() * CONTACTS));
  const w = new Windowing({ maxBufferedEntries: 2 * EVENTS, resumeBufferedEntries: 0 });
  w.onAssignment(assignment());
  const t0 = 1_700_000_000_000;
  const step = SIMULATED_MS / EVENTS;
  let committed = 0;
  const pump = (nowMs: number, flush: boolean): void => {
    for (const batch of w.takeSendable(nowMs, Number.MAX_SAFE_INTEGER, flush)) {
      for (const entry of batch.entries) w.settle(batch, entry);
      w.complete(batch);
    }
    for (let p = 0; p < PARTITIONS; p++) committed += w.committable(TOPIC, p) ?? 0;
  };
  let wallMs = 0;
  let cpuUsedMs = 0;
  const timed = (work: () => void): void => {
    const wall = performance.now();
    const cpu = cpuMs();
    work();
    cpuUsedMs += cpuMs() - cpu;
    wallMs += performance.now() - wall;
  };
  for (let i = 0; i < EVENTS; i += BATCH) {
    records.fill(BATCH);
    const { events, sources } = records;
    timed(() => {
      for (let k = 0; k < BATCH; k++) w.add(events[k]!, sources[k]!, t0 + (i + k) * step);
      pump(t0 + (i + BATCH) * step, false);
    });
  }
  timed(() => {
    pump(t0 + SIMULATED_MS, true);
  });
  if (w.stats(t0).pendingOffsets !== 0 || committed === 0) throw new Error('benchmark run did not drain');
  return { wall: EVENTS / (wallMs / 1000), cpu: EVENTS / (cpuUsedMs / 1000) };
}

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** The floor for scale: one Map get + set per event, into one Map per book, same workload. */
function referenceRun(): number {
  const records = new Records((_, rnd) => Math.floor(rnd() * CONTACTS));
  const maps = Array.from({ length: BOOKS + 1 }, () => new Map<string, SourceOffset>());
  let cpuUsedMs = 0;
  for (let i = 0; i < EVENTS; i += BATCH) {
    records.fill(BATCH);
    const { events, sources } = records;
    const cpu = cpuMs();
    for (let k = 0; k < BATCH; k++) {
      const e = events[k]!;
      const map = maps[e.addressBookId]!;
      if (map.get(e.profile.email!) === undefined) map.set(e.profile.email!, sources[k]!);
    }
    cpuUsedMs += cpuMs() - cpu;
  }
  return EVENTS / (cpuUsedMs / 1000);
}

/** Heap bytes per buffered entry: [store + ledger only, including the event objects]. */
function memoryRun(): [number, number] {
  const records = new Records((i) => i);
  const base = heapUsed();
  records.fill(EVENTS);
  const withEvents = heapUsed();
  const w = new Windowing({ maxBufferedEntries: 2 * EVENTS, resumeBufferedEntries: 0 });
  w.onAssignment(assignment());
  for (let i = 0; i < EVENTS; i++) w.add(records.events[i]!, records.sources[i]!, 1_700_000_000_000 + i);
  const after = heapUsed();
  if (w.store.buffered !== EVENTS) throw new Error(`expected ${EVENTS} buffered, got ${w.store.buffered}`);
  return [(after - withEvents) / EVENTS, (after - base) / EVENTS];
}

const rates: Rate[] = [];
for (let r = 0; r < RUNS; r++) rates.push(throughputRun());
const median = (pick: (r: Rate) => number): number =>
  rates.map(pick).sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
const medianWall = median((r) => r.wall);
const medianCpu = median((r) => r.cpu);
const reference = referenceRun();
const [bytesPerEntry, bytesPerEntryWithEvents] = memoryRun();

const load = loadavg()[0] ?? 0;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  loadAverage1m: load,
  events: EVENTS,
  books: BOOKS,
  // The goal is per core: measured against the main thread's CPU time, which other processes on a
  // shared machine do not inflate the way they inflate wall-clock time.
  eventsPerCpuSecond: { median: Math.round(medianCpu), runs: rates.map((r) => Math.round(r.cpu)) },
  eventsPerWallSecond: { median: Math.round(medianWall), runs: rates.map((r) => Math.round(r.wall)) },
  referenceMapGetSetPerCpuSecond: Math.round(reference),
  bytesPerEntry: Math.round(bytesPerEntry),
  bytesPerEntryWithEvents: Math.round(bytesPerEntryWithEvents),
  goals: { eventsPerCpuSecond: GOAL_EVENTS_PER_S, bytesPerEntry: GOAL_BYTES_PER_ENTRY },
  met: {
    eventsPerCpuSecond: medianCpu >= GOAL_EVENTS_PER_S,
    bytesPerEntry: bytesPerEntry <= GOAL_BYTES_PER_ENTRY,
  },
};
const out = join(here, 'results', 'windowing.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`events/s per CPU second (runs): ${result.eventsPerCpuSecond.runs.join(', ')}`);
console.log(
  `events/s wall clock (runs):     ${result.eventsPerWallSecond.runs.join(', ')} (load average ${load.toFixed(2)} on ${result.cores} cores)`,
);
console.log(
  `for scale, a bare Map get + set per event: ${result.referenceMapGetSetPerCpuSecond} per CPU second`,
);
console.log(
  `heap per buffered entry: ${result.bytesPerEntry} B (store + ledger), ${result.bytesPerEntryWithEvents} B with the events`,
);
console.log(`results: ${out}`);
const verdict = result.met.eventsPerCpuSecond && result.met.bytesPerEntry ? 'goals met' : 'GOAL MISSED';
console.log(
  `windowing: ${(medianCpu / 1e6).toFixed(2)}M events/s per core (goal >= 1M; wall ${(medianWall / 1e6).toFixed(2)}M), ` +
    `${result.bytesPerEntry} B/entry (goal <= ${GOAL_BYTES_PER_ENTRY}): ${verdict}`,
);
