/**
 * Benchmark 5, backfill (not a test). Needs the local stack (npm run stack:up).
 *
 * A replay of EVENTS membership events (90% adds of new contacts by email, 10% removes by contact
 * id) over BOOKS address books, each book getting a multiple of the batch size of each action so
 * that every window closes full, read by the service's consuming half (bench/lib/pipeline.ts)
 * with the real sender, DotDigital client and account limiter, against the in-process sandbox at
 * its default limits (75 imports, 35 bulk deletes per window). Time is scaled down SCALE×: the
 * limit window, job delays, poll waits and the 20-minute windowMs alike.
 * Wall time (first record to every event final) ÷ the time the limits alone impose: the busiest
 * scope's calls ÷ its limit × the window. Goal ≤ 1.1.
 * Writes bench/results/service-backfill.json; the last line is the summary.
 */
import { randomBytes } from 'node:crypto';
import { createKafka } from '../src/consumer/kafka.js';
import { silentLogger } from '../src/logger.js';
import { DEFAULT_LIMITS } from '../src/sandbox/index.js';
import type { MembershipChange } from '../src/windowing/index.js';
import { stackEnv } from '../test/integration/helpers/stack-env.js';
import { benchSandbox, connector, scaled, sending, tally, ACCOUNT_ID } from './lib/dotdigital.js';
import { BenchPipeline } from './lib/pipeline.js';
import { flags, load1m, machine, median, round, sleep, verdict, writeResult } from './lib/report.js';
import { dropTopic, eventId, fillTopic } from './lib/topic.js';

const EVENTS = 1_000_000;
const BOOKS = 100;
const PARTITIONS = 12;
const BATCH = 1_000;
const SCALE = 10;
const WINDOW_MS = 1_200_000 / SCALE;
const GOAL_RATIO = 1.1;

const { runs } = flags();
const time = scaled(SCALE);
const env = stackEnv();
const kafka = createKafka(
  {
    brokers: env.kafkaBrokers,
    clientId: 'bench-backfill',
    ssl: false,
    sslCaFile: undefined,
    sasl: undefined,
  },
  silentLogger(),
);
const tag = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topic = `bench-backfill-${tag}`;
const creds = connector(ACCOUNT_ID, 0);

/** Book of event i is i % BOOKS; the j-th event of a book is a remove when j % 10 === 9. */
const isRemove = (i: number) => Math.floor(i / BOOKS) % 10 === 9;
const perBook = EVENTS / BOOKS;
if (!Number.isInteger(perBook / 10 / BATCH))
  throw new Error('each book must get whole batches of each action');
const imports = (EVENTS * 0.9) / BATCH;
const deletes = (EVENTS * 0.1) / BATCH;
/** Seconds the limits alone impose: each scope's calls at its limit per window; scopes run side by side. */
const limitSeconds =
  (Math.max(imports / DEFAULT_LIMITS.contactImport, deletes / DEFAULT_LIMITS.contactDelete) *
    time.limitWindowMs) /
  1000;

function makeEvent(i: number, bookIds: readonly number[]): MembershipChange {
  const book = bookIds[i % BOOKS]!;
  const remove = isRemove(i);
  const email = `backfill-${i}@example.com`;
  return {
    eventId: eventId(i),
    occurredAt: 1_700_000_000_000 + i,
    connectorId: creds.connectorId,
    source: { kind: 'JOURNEY', id: 'journey-1', stepId: `step-${i % 3}` },
    addressBookId: book,
    action: remove ? 'REMOVE' : 'ADD',
    profile: remove
      ? { profileId: `p${i}`, email: null, contactId: 1 + i, mobileNumber: null }
      : { profileId: `p${i}`, email, contactId: null, mobileNumber: null },
  };
}

/** Calls per limit window since the first record (seconds in, counts out). */
function perWindow(seconds: readonly number[]): number[] {
  const counts: number[] = [];
  for (const t of seconds) {
    const w = Math.floor((t * 1000) / time.limitWindowMs);
    while (counts.length <= w) counts.push(0);
    counts[w]!++;
  }
  return counts;
}

async function run(r: number, bookIds: readonly number[]) {
  const loadAverage1m = load1m();
  const { sandbox, bookIds: ids } = await benchSandbox(time, BOOKS, 1, 100_000);
  if (ids.join() !== bookIds.join()) throw new Error('sandbox book ids differ between runs');
  const send = sending({ r1BaseUrl: sandbox.r1BaseUrl, time, creds: [creds] });
  const pipeline = new BenchPipeline({
    topic,
    groupId: `bench-backfill-${tag}-${r}`,
    sender: send.sender,
    windowing: { windowMs: WINDOW_MS },
  });
  const before = sandbox.inspect().calls.counts;
  try {
    await send.client.detectAccount(creds);
    await pipeline.start();
    await pipeline.handedOver(EVENTS);
    const consumedAt = performance.now();
    const deadline = Date.now() + 20 * limitSeconds * 1000;
    while (pipeline.windowing.stats(Date.now()).pendingOffsets > 0) {
      if (Date.now() > deadline)
        throw new Error(`run ${r + 1}: not every event final after ${20 * limitSeconds} s`);
      await sleep(20);
    }
    const first = pipeline.firstRecordAt ?? consumedAt;
    const wallSeconds = (performance.now() - first) / 1000;
    // The call log's clock is Date.now(): map the first record onto it.
    const firstAtEpoch = Date.now() - wallSeconds * 1000;
    const accepted = sandbox
      .calls(100_000)
      .filter((c) => c.operation === 'importContacts' && c.status.startsWith('2'))
      .map((c) => (c.at - firstAtEpoch) / 1000);
    const calls = tally(before, sandbox.inspect().calls.counts);
    const result = {
      loadAverage1m,
      wallSeconds: round(wallSeconds, 1),
      consumedAfterSeconds: round((consumedAt - first) / 1000, 1),
      ratio: round(wallSeconds / limitSeconds),
      // Where the time goes: until the first import, the imports themselves, after the last one.
      firstImportAfterSeconds: round(accepted[0] ?? Number.NaN, 1),
      lastImportAfterSeconds: round(accepted.at(-1) ?? Number.NaN, 1),
      importsPerSecondBetween: round(
        (accepted.length - 1) / ((accepted.at(-1) ?? 0) - (accepted[0] ?? 0)),
        2,
      ),
      importsPerWindow: perWindow(accepted),
      deletesPerWindow: perWindow(
        sandbox
          .calls(100_000)
          .filter((c) => c.operation === 'bulkDeleteContacts' && c.status.startsWith('2'))
          .map((c) => (c.at - firstAtEpoch) / 1000),
      ),
      calls,
      waitExceeded: (await send.metrics.rateLimitWaitExceeded.get()).values.reduce((n, v) => n + v.value, 0),
    };
    console.log(
      `run ${r + 1}: ${result.wallSeconds} s wall (all read after ${result.consumedAfterSeconds} s; imports from ${result.firstImportAfterSeconds} s to ${result.lastImportAfterSeconds} s, ${result.importsPerSecondBetween}/s against a limit of ${round(DEFAULT_LIMITS.contactImport / (time.limitWindowMs / 1000), 2)}/s), ratio ${result.ratio}, calls ${JSON.stringify(calls.byOperation)}, ${calls.status429} 429s (load ${loadAverage1m})`,
    );
    return result;
  } finally {
    await pipeline.stop();
    await send.close();
    await sandbox.close();
  }
}

const info = machine();
// Book ids are the sandbox's, the same in every fresh sandbox: read them once to build the topic.
const probe = await benchSandbox(time, BOOKS);
await probe.sandbox.close();
console.log(
  `producing ${EVENTS} events into ${topic}; the limits alone allow them in ${round(limitSeconds, 1)} s...`,
);
const producedSeconds = await fillTopic(kafka, topic, PARTITIONS, EVENTS, (i) => makeEvent(i, probe.bookIds));
const results: Awaited<ReturnType<typeof run>>[] = [];
try {
  for (let r = 0; r < runs; r++) results.push(await run(r, probe.bookIds));
} finally {
  await dropTopic(kafka, topic);
}

const ratio = round(median(results.map((x) => x.ratio)));
const out = writeResult('service-backfill', {
  ...info,
  events: EVENTS,
  books: BOOKS,
  adds: EVENTS * 0.9,
  removes: EVENTS * 0.1,
  timeScale: SCALE,
  settings: {
    ...time,
    windowMs: WINDOW_MS,
    maxBatchSize: BATCH,
    sendConcurrency: 8,
    limits: { contactImport: DEFAULT_LIMITS.contactImport, contactDelete: DEFAULT_LIMITS.contactDelete },
  },
  produceSeconds: round(producedSeconds, 1),
  limitImposedSeconds: round(limitSeconds, 1),
  medianWallSeconds: median(results.map((x) => x.wallSeconds)),
  ratio,
  runs: results,
  goal: { ratio: GOAL_RATIO },
  met: ratio <= GOAL_RATIO,
});
console.log(`results: ${out}`);
console.log(
  `service-backfill: ${EVENTS} events in ${median(results.map((x) => x.wallSeconds))} s vs ${round(limitSeconds, 1)} s the limits impose (time /${SCALE}), ratio ${ratio} (goal <= ${GOAL_RATIO}, median of ${runs}): ${verdict(ratio <= GOAL_RATIO)}`,
);
