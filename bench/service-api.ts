/**
 * Benchmark 2, API efficiency (not a test). Needs the local stack's Redis (npm run stack:up).
 *
 * The service's sending half (Windowing, Scheduler, DotdigitalBatchSender, DotdigitalClient, the
 * account limiter) against the in-process sandbox, one connector, 100 address books; changes are
 * handed to the windowing core directly (Kafka plays no part in what reaches DotDigital). Time is
 * scaled down SCALE× (limit window, job delays, poll waits alike), so counts are those of real time.
 * Phases of each run, in order, each finishing before the next:
 *   steady-add     100,000 adds: 1,000 new contacts per book, interleaved;
 *   steady-remove  100,000 removes of those contacts (the id cache is warm from the imports);
 *   churn-unknown  100,000 changes, 1,000 per book: 700 enters of new contacts and 150 contacts
 *                  that enter then exit inside the window (30% of the changes);
 *   churn-known    the same, the churning contacts being ones imported into another book before;
 *   churn-split    the churn-unknown stream with every exit held back until the enters were sent
 *                  (enter and exit in different windows: what the same changes cost uncoalesced).
 * Calls per 1,000 changes by operation and by rate-limit scope; polls per job. Goals: ≤ 1.05 calls
 * in limited scopes (all but job status) per 1,000 adds and per 1,000 warm removes, ≤ 3 polls per
 * job, and churn lowering the count against steady traffic.
 * Writes bench/results/service-api.json; the last line is the summary.
 */
import type { MembershipChange } from '../src/windowing/index.js';
import {
  benchSandbox,
  connector,
  scaled,
  sending,
  tally,
  ACCOUNT_ID,
  type CallTally,
} from './lib/dotdigital.js';
import { Feeder } from './lib/feeder.js';
import { flags, load1m, machine, median, round, verdict, writeResult } from './lib/report.js';
import { eventId } from './lib/topic.js';

const BOOKS = 100;
const PER_BOOK = 1_000;
const CHURN_CONTACTS = 150;
const SCALE = 40;
const WINDOW_MS = 10_000;
const GOALS = { limitedPer1000Adds: 1.05, limitedPer1000WarmRemoves: 1.05, pollsPerJob: 3 };

const { runs } = flags();
const time = scaled(SCALE);
const creds = connector(ACCOUNT_ID, 0);

/** Deterministic shuffle (mulberry32), so every run sends the same stream. */
function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed;
  const rnd = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

let seq = 0;
function change(book: number, email: string, action: 'ADD' | 'REMOVE'): MembershipChange {
  const i = seq++;
  return {
    eventId: eventId(i),
    occurredAt: Date.now(),
    connectorId: creds.connectorId,
    source: { kind: 'AUDIENCE', id: 'audience-1', stepId: null },
    addressBookId: book,
    action,
    profile: { profileId: email, email, contactId: null, mobileNumber: null },
  };
}

const steadyContact = (b: number, k: number) => `steady-${b}-${k}@example.com`;

/** Per book: `PER_BOOK - 2*CHURN_CONTACTS` enters, and CHURN_CONTACTS contacts entering then exiting. */
function churn(
  bookIds: readonly number[],
  name: string,
  churner: (b: number, k: number) => string,
): MembershipChange[] {
  const tokens: [number, string][] = [];
  bookIds.forEach((_, b) => {
    for (let k = 0; k < PER_BOOK - 2 * CHURN_CONTACTS; k++) tokens.push([b, `${name}-${b}-${k}@example.com`]);
    for (let k = 0; k < CHURN_CONTACTS; k++) tokens.push([b, churner(b, k)], [b, churner(b, k)]);
  });
  const seen = new Set<string>();
  return shuffle(tokens, 7).map(([b, email]) => {
    const key = `${b}|${email}`;
    const action = seen.has(key) ? 'REMOVE' : 'ADD';
    seen.add(key);
    return change(bookIds[b]!, email, action);
  });
}

interface Phase {
  readonly changes: number;
  readonly adds: number;
  readonly removes: number;
  readonly calls: CallTally;
  readonly seconds: number;
}

async function run(r: number): Promise<Record<string, Phase> & { loadAverage1m: number }> {
  const loadAverage1m = load1m();
  const { sandbox, bookIds } = await benchSandbox(time, BOOKS);
  const send = sending({ r1BaseUrl: sandbox.r1BaseUrl, time, creds: [creds] });
  const feeder = new Feeder(send.sender, { windowMs: WINDOW_MS });
  const phases: Record<string, Phase> = {};
  const phase = async (name: string, events: MembershipChange[], split = false): Promise<void> => {
    const before = sandbox.inspect().calls.counts;
    const started = performance.now();
    for (const part of split
      ? [events.filter((e) => e.action === 'ADD'), events.filter((e) => e.action === 'REMOVE')]
      : [events]) {
      feeder.add(part);
      await feeder.settled(600_000);
    }
    const adds = events.filter((e) => e.action === 'ADD').length;
    phases[name] = {
      changes: events.length,
      adds,
      removes: events.length - adds,
      calls: tally(before, sandbox.inspect().calls.counts),
      seconds: round((performance.now() - started) / 1000, 1),
    };
    console.log(
      `run ${r + 1} ${name.padEnd(14)} ${JSON.stringify(phases[name].calls.byOperation)} in ${phases[name].seconds} s`,
    );
  };
  try {
    const steady = bookIds.flatMap((book, b) =>
      Array.from({ length: PER_BOOK }, (_, k) => [book, steadyContact(b, k)] as const),
    );
    await phase(
      'steady-add',
      shuffle(
        steady.map(([book, email]) => change(book, email, 'ADD')),
        1,
      ),
    );
    await phase(
      'steady-remove',
      shuffle(
        steady.map(([book, email]) => change(book, email, 'REMOVE')),
        2,
      ),
    );
    await phase(
      'churn-unknown',
      churn(bookIds, `churn-unknown-r${r}`, (b, k) => `churner-${b}-${k}@example.com`),
    );
    await phase(
      'churn-known',
      churn(bookIds, `churn-known-r${r}`, (b, k) => steadyContact((b + 1) % BOOKS, k)),
    );
    await phase(
      'churn-split',
      churn(bookIds, `churn-split-r${r}`, (b, k) => `split-churner-r${r}-${b}-${k}@example.com`),
      true,
    );
    const dead = await feeder.deadLetters();
    if (Object.keys(dead).length > 0)
      throw new Error(
        `contacts were dead-lettered (${JSON.stringify(dead)}): the figures would not be those of a clean run`,
      );
  } finally {
    await feeder.stop();
    await send.close();
    await sandbox.close();
  }
  return Object.assign(phases, { loadAverage1m });
}

const info = machine();
const results: Awaited<ReturnType<typeof run>>[] = [];
for (let r = 0; r < runs; r++) results.push(await run(r));

const med = (pick: (p: Record<string, Phase>) => number) => round(median(results.map(pick)), 3);
const per1000 = (p: Phase, n: (p: Phase) => number, what: (c: CallTally) => number) =>
  (1000 * what(p.calls)) / n(p);
const jobs = (c: CallTally) => (c.byOperation.import ?? 0) + (c.byOperation.delete ?? 0);
type PhaseName = 'steady-add' | 'steady-remove' | 'churn-unknown' | 'churn-known' | 'churn-split';
function phaseFigures(name: PhaseName) {
  const ofPhase = (pick: (p: Phase) => number) =>
    med((p) => (p[name] === undefined ? Number.NaN : pick(p[name])));
  return {
    limitedPer1000Changes: ofPhase((p) =>
      per1000(
        p,
        (x) => x.changes,
        (c) => c.limited,
      ),
    ),
    byOperationPer1000Changes: Object.fromEntries(
      ['import', 'poll', 'delete', 'lookup', 'accountInfo'].map((op) => [
        op,
        ofPhase((p) =>
          per1000(
            p,
            (x) => x.changes,
            (c) => c.byOperation[op] ?? 0,
          ),
        ),
      ]),
    ),
    byScopePer1000Changes: Object.fromEntries(
      ['contactImport', 'contactDelete', 'contactLookup', 'jobStatus', 'accountInfo'].map((sc) => [
        sc,
        ofPhase((p) =>
          per1000(
            p,
            (x) => x.changes,
            (c) => c.byScope[sc] ?? 0,
          ),
        ),
      ]),
    ),
    pollsPerJob: ofPhase((p) => p.calls.polls / Math.max(1, jobs(p.calls))),
    status429: ofPhase((p) => p.calls.status429),
    seconds: ofPhase((p) => p.seconds),
  };
}
const figures = {
  'steady-add': phaseFigures('steady-add'),
  'steady-remove': phaseFigures('steady-remove'),
  'churn-unknown': phaseFigures('churn-unknown'),
  'churn-known': phaseFigures('churn-known'),
  'churn-split': phaseFigures('churn-split'),
};

const perAdds = figures['steady-add'].limitedPer1000Changes;
const perRemoves = figures['steady-remove'].limitedPer1000Changes;
const pollsPerJob = Math.max(figures['steady-add'].pollsPerJob, figures['steady-remove'].pollsPerJob);
const steadyPer1000 = round((perAdds + perRemoves) / 2);
const churnLowers = {
  unknown: figures['churn-unknown'].limitedPer1000Changes < steadyPer1000,
  known: figures['churn-known'].limitedPer1000Changes < steadyPer1000,
};
const met = {
  perAdds: perAdds <= GOALS.limitedPer1000Adds,
  perRemoves: perRemoves <= GOALS.limitedPer1000WarmRemoves,
  pollsPerJob: pollsPerJob <= GOALS.pollsPerJob,
  churnLowers: churnLowers.unknown && churnLowers.known,
};
const out = writeResult('service-api', {
  ...info,
  books: BOOKS,
  timeScale: SCALE,
  settings: {
    ...time,
    windowMs: WINDOW_MS,
    maxBatchSize: 1000,
    sendConcurrency: 8,
    limitedScopes: 'every sandbox scope but jobStatus',
  },
  phases: figures,
  steadyLimitedPer1000Changes: steadyPer1000,
  churnLowersTheCount: churnLowers,
  runs: results,
  goals: { ...GOALS, churnLowersTheCount: true },
  met,
});
console.log(`results: ${out}`);
console.log(
  `service-api: ${perAdds} limited calls per 1000 adds, ${perRemoves} per 1000 warm removes (goal <= 1.05), ${pollsPerJob} polls/job (goal <= 3), ` +
    `churn ${figures['churn-unknown'].limitedPer1000Changes} (unknown contacts) / ${figures['churn-known'].limitedPer1000Changes} (known) vs steady ${steadyPer1000} ` +
    `and uncoalesced ${figures['churn-split'].limitedPer1000Changes} per 1000 changes: ` +
    verdict(met.perAdds && met.perRemoves && met.pollsPerJob && met.churnLowers),
);
