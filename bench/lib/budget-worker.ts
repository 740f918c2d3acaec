/**
 * One service process of the budget benchmark (bench/service-budget.ts): the real Windowing,
 * Scheduler (SEND_CONCURRENCY slots), DotdigitalBatchSender, DotdigitalClient and account limiter
 * (its own Redis connection; the key prefix shared with the other processes), for 4 connectors of
 * one sandbox account. Kafka is left out: the windowing core is kept topped up with a backlog of
 * adds (new emails) and removes (by contact id: no look-ups), as in a catch-up after an outage.
 *
 *   node --import tsx bench/lib/budget-worker.ts '<WorkerConfig JSON>'
 *
 * Prints {"type":"ready"} once its connectors know their account, waits for {"runMs":n} on stdin,
 * then sends for that long and prints {"type":"done",...} before exiting.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { ConnectorCredentials } from '../../src/sink/index.js';
import type { MembershipChange } from '../../src/windowing/index.js';
import { sending, type REAL } from './dotdigital.js';
import { Feeder } from './feeder.js';
import { sleep } from './report.js';
import { eventId } from './topic.js';

export interface WorkerConfig {
  readonly name: string;
  readonly index: number;
  readonly r1BaseUrl: string;
  readonly keyPrefix: string;
  readonly time: typeof REAL;
  readonly connectors: readonly ConnectorCredentials[];
  /** Address book of each connector, same order. */
  readonly books: readonly number[];
  readonly processes: number;
  readonly concurrency: number;
}

export interface WorkerDone {
  readonly type: 'done';
  readonly name: string;
  readonly batches: Record<string, number>;
  readonly status429: number;
  readonly waitExceeded: number;
  readonly deadLetters: Record<string, number>;
}

/** Entries kept buffered per process: always more than the limits let out during a run. */
const BACKLOG = 12_000;
const ADDS_PER_ROUND = 1_000;
const REMOVES_PER_ROUND = 500;

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

let seq = 0;
function change(c: number, action: 'ADD' | 'REMOVE'): MembershipChange {
  const i = seq++;
  const connector = config.connectors[c]!;
  const email = `${config.name}-${i}@example.com`;
  return {
    eventId: eventId(config.index * 1e9 + i),
    occurredAt: Date.now(),
    connectorId: connector.connectorId,
    source: { kind: 'AUDIENCE', id: 'audience-1', stepId: null },
    addressBookId: config.books[c]!,
    action,
    profile:
      action === 'ADD'
        ? { profileId: email, email, contactId: null, mobileNumber: null }
        : { profileId: email, email: null, contactId: 1 + config.index * 1e8 + i, mobileNumber: null },
  };
}

function* round(): Generator<MembershipChange> {
  for (let c = 0; c < config.connectors.length; c++) {
    for (let k = 0; k < ADDS_PER_ROUND; k++) yield change(c, 'ADD');
    for (let k = 0; k < REMOVES_PER_ROUND; k++) yield change(c, 'REMOVE');
  }
}

async function counter(
  get: () => Promise<{ values: { value: number; labels: Record<string, string | number> }[] }>,
  label?: string,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await get()).values) {
    const key = label === undefined ? 'all' : String(v.labels[label]);
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}

async function main(): Promise<void> {
  const send = sending({
    r1BaseUrl: config.r1BaseUrl,
    time: config.time,
    creds: config.connectors,
    keyPrefix: config.keyPrefix,
    expectedReplicas: config.processes,
  });
  for (const c of config.connectors) await send.client.detectAccount(c);
  const lines = createInterface({ input: process.stdin });
  const go = once(lines, 'line') as Promise<[string]>;
  print({ type: 'ready', name: config.name });
  const [first] = await go;
  lines.close();
  const { runMs } = JSON.parse(first) as { runMs: number };
  const feeder = new Feeder(
    send.sender,
    { windowMs: 600_000, maxBufferedEntries: 10 * BACKLOG, resumeBufferedEntries: BACKLOG },
    config.concurrency,
  );
  const until = Date.now() + runMs;
  while (Date.now() < until) {
    while (feeder.windowing.stats(Date.now()).bufferedEntries < BACKLOG) feeder.add(round());
    await sleep(50);
  }
  await feeder.stop();
  const m = send.metrics;
  const done: WorkerDone = {
    type: 'done',
    name: config.name,
    batches: await counter(() => feeder.metrics.batchesSent.get(), 'outcome'),
    status429: (await counter(() => m.rateLimit429.get())).all ?? 0,
    waitExceeded: (await counter(() => m.rateLimitWaitExceeded.get())).all ?? 0,
    deadLetters: await feeder.deadLetters(),
  };
  await send.close();
  print(done);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `budget worker ${config.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
