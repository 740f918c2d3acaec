/**
 * Benchmark 1, throughput (not a test). Needs the local stack (npm run stack:up).
 *
 * One topic of EVENTS membership events (Confluent Avro, 12 partitions) is produced once; then,
 * alternating in one run, fresh consumer groups read all of it:
 *   raw       a kafkajs consumer whose eachBatch does nothing (the ceiling), and
 *   pipeline  the service's consuming half from its real parts (bench/lib/pipeline.ts: GroupMember,
 *             Pipeline, the registry-backed EventDecoder, Windowing, Scheduler, CommitLoop) with a
 *             BatchSender that accepts every batch at once; timed until every event is final.
 * Events/s of each (from the first record handed over), their ratio (goal ≥ 0.6), and CPU
 * seconds per pass. `--profile` adds one profiled pass of each and prints the top frames.
 * Writes bench/results/service-throughput.json; the last line is the summary.
 */
import { randomBytes } from 'node:crypto';
import type { BatchSender } from '../src/consumer/sender.js';
import { createKafka } from '../src/consumer/kafka.js';
import { silentLogger } from '../src/logger.js';
import type { ContactOutcome } from '../src/sink/index.js';
import type { MembershipChange } from '../src/windowing/index.js';
import { stackEnv } from '../test/integration/helpers/stack-env.js';
import { BenchPipeline } from './lib/pipeline.js';
import { printProfile, profiled, type ProfileSummary } from './lib/profile.js';
import { flags, load1m, machine, median, round, verdict, writeResult } from './lib/report.js';
import { dropTopic, eventId, fillTopic } from './lib/topic.js';

const EVENTS = 1_000_000;
const PARTITIONS = 12;
const BOOKS = 100;
const CONNECTORS = 4;
const GOAL_RATIO = 0.6;

const { runs, profile } = flags();
const env = stackEnv();
const kafka = createKafka(
  {
    brokers: env.kafkaBrokers,
    clientId: 'bench-throughput',
    ssl: false,
    sslCaFile: undefined,
    sasl: undefined,
  },
  silentLogger(),
);
const tag = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topic = `bench-throughput-${tag}`;

/**
 * Every 10th event re-touches the contact of 3 events before (an exit after an enter: coalesced
 * in its open window); another 10% are removes of other contacts; the rest adds.
 */
function makeEvent(i: number): MembershipChange {
  const again = i % 10 === 9;
  const c = again ? i - 3 : i;
  const book = (c % BOOKS) + 1;
  return {
    eventId: eventId(i),
    occurredAt: 1_700_000_000_000 + i,
    connectorId: `connector-${book % CONNECTORS}`,
    source: { kind: 'AUDIENCE', id: `audience-${book % 10}`, stepId: null },
    addressBookId: book,
    action: again || i % 10 === 4 ? 'REMOVE' : 'ADD',
    profile: { profileId: `p${c}`, email: `user${c}@example.com`, contactId: null, mobileNumber: null },
  };
}

const instant: BatchSender = {
  send: (batch) => Promise.resolve(batch.entries.map((): ContactOutcome => ({ ok: true }))),
};

interface Pass {
  readonly eventsPerSecond: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly loadAverage1m: number;
}

async function deleteGroup(groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups([groupId]);
  } catch {
    // A group that lingers costs nothing but a line in the broker's list.
  } finally {
    await admin.disconnect();
  }
}

function pass(started: number, cpu: NodeJS.CpuUsage, loadAverage1m: number): Pass {
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    eventsPerSecond: Math.round(EVENTS / seconds),
    seconds: round(seconds),
    cpuSeconds: round((used.user + used.system) / 1e6),
    loadAverage1m,
  };
}

async function rawPass(n: number): Promise<Pass> {
  const loadAverage1m = load1m();
  const groupId = `bench-raw-${tag}-${n}`;
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    rebalanceTimeout: 60_000,
    allowAutoTopicCreation: false,
  });
  let count = 0;
  let started = 0;
  let cpu = process.cpuUsage();
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: ({ batch }) => {
      if (count === 0) {
        started = performance.now();
        cpu = process.cpuUsage();
      }
      count += batch.messages.length;
      if (count >= EVENTS) done();
      return Promise.resolve();
    },
  });
  await finished;
  const result = pass(started, cpu, loadAverage1m);
  await consumer.disconnect();
  await deleteGroup(groupId);
  return result;
}

async function pipelinePass(n: number): Promise<Pass> {
  const loadAverage1m = load1m();
  const groupId = `bench-pipeline-${tag}-${n}`;
  const p = new BenchPipeline({ topic, groupId, sender: instant });
  const cpuBefore = process.cpuUsage();
  await p.start();
  await p.handedOver(EVENTS);
  if (!(await p.flush(Date.now() + 60_000)))
    throw new Error('pipeline pass: buffered events were not all final within 60 s of the last record');
  const started = p.firstRecordAt ?? performance.now();
  // CPU from before the join: the join itself costs next to nothing, and the first record's time is only known afterwards.
  const result = pass(started, cpuBefore, loadAverage1m);
  const pending = p.windowing.stats(Date.now()).pendingOffsets;
  await p.stop();
  await deleteGroup(groupId);
  if (pending !== 0) throw new Error(`pipeline pass ended with ${pending} offsets not final`);
  return result;
}

const info = machine();
console.log(`producing ${EVENTS} events into ${topic} (${PARTITIONS} partitions)...`);
const producedSeconds = await fillTopic(kafka, topic, PARTITIONS, EVENTS, makeEvent);
console.log(`produced in ${round(producedSeconds, 1)} s`);

const raw: Pass[] = [];
const piped: Pass[] = [];
const profiles: Record<string, ProfileSummary> = {};
try {
  for (let r = 0; r < runs; r++) {
    // Alternate which goes first, so that a drift in machine load does not favour one side.
    const order = r % 2 === 0 ? (['raw', 'pipeline'] as const) : (['pipeline', 'raw'] as const);
    for (const kind of order) {
      const result = kind === 'raw' ? await rawPass(r) : await pipelinePass(r);
      (kind === 'raw' ? raw : piped).push(result);
      console.log(
        `run ${r + 1} ${kind.padEnd(8)} ${String(result.eventsPerSecond).padStart(8)} events/s  ${result.seconds} s wall, ${result.cpuSeconds} s CPU (load ${result.loadAverage1m})`,
      );
    }
  }
  if (profile) {
    profiles.raw = (await profiled('throughput-raw', () => rawPass(runs))).profile;
    profiles.pipeline = (await profiled('throughput-pipeline', () => pipelinePass(runs))).profile;
    for (const [label, p] of Object.entries(profiles)) printProfile(label, p);
  }
} finally {
  await dropTopic(kafka, topic);
}

const rawMedian = median(raw.map((p) => p.eventsPerSecond));
const pipeMedian = median(piped.map((p) => p.eventsPerSecond));
const ratio = round(pipeMedian / rawMedian);
const pairRatios = piped.map((p, i) => round(p.eventsPerSecond / raw[i]!.eventsPerSecond));
const cpuPerMillion = (ps: Pass[]) => round(median(ps.map((p) => p.cpuSeconds)) * (1_000_000 / EVENTS), 2);
const out = writeResult('service-throughput', {
  ...info,
  events: EVENTS,
  partitions: PARTITIONS,
  books: BOOKS,
  connectors: CONNECTORS,
  produceSeconds: round(producedSeconds, 1),
  raw: { medianEventsPerSecond: rawMedian, cpuSecondsPerMillion: cpuPerMillion(raw), runs: raw },
  pipeline: { medianEventsPerSecond: pipeMedian, cpuSecondsPerMillion: cpuPerMillion(piped), runs: piped },
  ratio: { ofMedians: ratio, perRun: pairRatios },
  ...(profile ? { profiles } : {}),
  goal: { ratio: GOAL_RATIO },
  met: ratio >= GOAL_RATIO,
});
console.log(`results: ${out}`);
console.log(
  `service-throughput: pipeline ${pipeMedian} events/s vs raw kafkajs ${rawMedian} events/s (medians of ${runs}), ratio ${ratio} (goal >= ${GOAL_RATIO}): ${verdict(ratio >= GOAL_RATIO)}`,
);
