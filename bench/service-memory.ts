/**
 * Benchmark 4, memory (not a test). Needs the local stack (npm run stack:up).
 *
 * A topic of EVENTS adds of distinct profiles over BOOKS address books (100 per window: no window
 * fills, and none is old enough to close) is produced once; each run, a fresh process
 * (bench/lib/memory-worker.ts) reads all of it through the service's consuming half and reports
 * RSS and heap with every profile buffered, as it is and after full collections.
 * Goal: RSS ≤ 400 MB (judged after the collections: what holding the profiles costs, not the
 * garbage of reading them). Writes bench/results/service-memory.json; the last line is the summary.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createKafka } from '../src/consumer/kafka.js';
import { silentLogger } from '../src/logger.js';
import type { MembershipChange } from '../src/windowing/index.js';
import { stackEnv } from '../test/integration/helpers/stack-env.js';
import type { MemoryReport } from './lib/memory-worker.js';
import { flags, load1m, machine, median, round, verdict, writeResult } from './lib/report.js';
import { dropTopic, eventId, fillTopic } from './lib/topic.js';

const EVENTS = 1_000_000;
const PARTITIONS = 12;
const BOOKS = 10_000;
const CONNECTORS = 4;
const GOAL_RSS_MB = 400;

const { runs } = flags();
const env = stackEnv();
const kafka = createKafka(
  { brokers: env.kafkaBrokers, clientId: 'bench-memory', ssl: false, sslCaFile: undefined, sasl: undefined },
  silentLogger(),
);
const tag = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topic = `bench-memory-${tag}`;
const workerPath = fileURLToPath(new URL('./lib/memory-worker.ts', import.meta.url));

function makeEvent(i: number): MembershipChange {
  const book = (i % BOOKS) + 1;
  return {
    eventId: eventId(i),
    occurredAt: 1_700_000_000_000 + i,
    connectorId: `connector-${book % CONNECTORS}`,
    source: { kind: 'AUDIENCE', id: `audience-${book % 50}`, stepId: null },
    addressBookId: book,
    action: 'ADD',
    profile: {
      profileId: `profile-${i}`,
      email: `member${i}@example.com`,
      contactId: null,
      mobileNumber: null,
    },
  };
}

async function measure(r: number): Promise<MemoryReport & { loadAverage1m: number }> {
  const loadAverage1m = load1m();
  const groupId = `bench-memory-${tag}-${r}`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', workerPath, JSON.stringify({ topic, groupId, events: EVENTS })],
    { maxBuffer: 1 << 20 },
  );
  const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as MemoryReport;
  if (report.bufferedEntries !== EVENTS || report.batchesSent !== 0)
    throw new Error(
      `run ${r + 1}: ${report.bufferedEntries} entries buffered and ${report.batchesSent} batches sent; expected ${EVENTS} and 0`,
    );
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  return { ...report, loadAverage1m };
}

const info = machine();
console.log(`producing ${EVENTS} events into ${topic}...`);
const producedSeconds = await fillTopic(kafka, topic, PARTITIONS, EVENTS, makeEvent);
const results: Awaited<ReturnType<typeof measure>>[] = [];
try {
  for (let r = 0; r < runs; r++) {
    const m = await measure(r);
    results.push(m);
    console.log(
      `run ${r + 1}: RSS ${m.buffered.rssMB} MB, heap ${m.buffered.heapUsedMB} MB with ${EVENTS} buffered; after GC RSS ${m.afterGc.rssMB} MB, heap ${m.afterGc.heapUsedMB} MB (baseline RSS ${m.baseline.rssMB} MB, heap ${m.baseline.heapUsedMB} MB; load ${m.loadAverage1m})`,
    );
  }
} finally {
  await dropTopic(kafka, topic);
}

const med = (pick: (m: MemoryReport) => number) => median(results.map(pick));
const rss = med((m) => m.afterGc.rssMB);
const heap = med((m) => m.afterGc.heapUsedMB);
const heapPerProfile = round(((heap - med((m) => m.baseline.heapUsedMB)) * 2 ** 20) / EVENTS, 0);
const out = writeResult('service-memory', {
  ...info,
  events: EVENTS,
  books: BOOKS,
  produceSeconds: round(producedSeconds, 1),
  medians: {
    bufferedRssMB: med((m) => m.buffered.rssMB),
    bufferedHeapUsedMB: med((m) => m.buffered.heapUsedMB),
    afterGcRssMB: rss,
    afterGcHeapUsedMB: heap,
    baselineRssMB: med((m) => m.baseline.rssMB),
    baselineHeapUsedMB: med((m) => m.baseline.heapUsedMB),
    heapBytesPerBufferedProfile: heapPerProfile,
  },
  runs: results,
  goal: { rssMB: GOAL_RSS_MB },
  met: rss <= GOAL_RSS_MB,
});
console.log(`results: ${out}`);
console.log(
  `service-memory: ${rss} MB RSS, ${heap} MB heap with ${EVENTS} profiles buffered (${heapPerProfile} B of heap each; medians of ${runs}, after GC) (goal <= ${GOAL_RSS_MB} MB RSS): ${verdict(rss <= GOAL_RSS_MB)}`,
);
