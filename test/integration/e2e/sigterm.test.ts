/**
 * Issue 6f: SIGTERM while windows are open and batches are in flight. After the exit, the
 * committed offset of each partition is exactly the end of what the service had confirmed (every
 * event below it is in the sandbox, the first one at it was not confirmed); nothing was sent twice
 * within the run; a restart sends only what lies at or past the committed offsets and ends exact.
 *
 * "Sent" and "confirmed" are read from a recording proxy between the service and the sandbox
 * (the sandbox's call log has no bodies): an import or bulk delete carries its contacts, and it is
 * confirmed when its Finished / Completed job answer was handed to the service. In-flight imports
 * take 10 s (held by the proxy) against a 3 s shutdown deadline, and every other answer takes
 * milliseconds, so no confirmation lands near the deadline where "seen by the proxy" and "seen by
 * the service" could differ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MembershipChange } from '../../../src/windowing/event.js';
import { waitFor } from '../helpers/events.js';
import { startWorld, type E2eWorld } from '../helpers/e2e-harness.js';
import { committedOffsets, historyOf, TrackedProducer, type Placed } from '../helpers/e2e-kafka.js';
import { killAll, spawnService, type ServiceProcess } from '../helpers/e2e-process.js';
import { contactTraffic, RecordingProxy } from '../helpers/e2e-proxy.js';
import {
  diffMemberships,
  labelOf,
  makeEvent,
  oracleOf,
  seededRandom,
  testSeed,
  type Random,
} from '../helpers/e2e-workload.js';
import { committedTotal, testKafka } from '../helpers/kafka.js';

const kafka = testKafka('e2e-sigterm');
const rand = seededRandom(testSeed('sigterm'));
const BATCH = 20;
const OPEN = 7;
let world: E2eWorld;
let proxy: RecordingProxy;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  world = await startWorld(kafka, rand);
  proxy = await RecordingProxy.start(world.sandbox.controlUrl.replace(/\/_sandbox$/, ''));
});

afterAll(async () => {
  await killAll(processes);
  await proxy.close();
  await world.close();
});

/** Random interleaving that keeps each list's own order. */
function interleave<T>(r: Random, lists: T[][]): T[] {
  const out: T[] = [];
  const left = lists.map((l) => [...l]).filter((l) => l.length > 0);
  while (left.length > 0) {
    const i = r.int(left.length);
    out.push(left[i]!.shift()!);
    if (left[i]!.length === 0) left.splice(i, 1);
  }
  return out;
}

describe('SIGTERM mid-window', () => {
  it('commits exactly what was confirmed, sends nothing twice within the run, and the restart finishes the rest', async () => {
    const { topic, dlq } = await world.topics(3);
    const env = world.env(topic, dlq, {
      DOTDIGITAL_R1_BASE_URL: `${proxy.origin}/r1`,
      WINDOW_MS: '60000', // windows close only when full, or by the shutdown flush
      MAX_BATCH_SIZE: String(BATCH),
      SEND_CONCURRENCY: '16', // slow imports must not keep the shutdown flush from sending removes
      SHUTDOWN_DEADLINE_MS: '3000',
    });
    const producer = await TrackedProducer.connect(kafka, topic);
    const pairs = world.connectors.map((c) => ({
      c,
      books: [...c.books].sort(() => rand.next() - 0.5).slice(0, 4),
    }));
    const email = (c: string, book: number, wave: string, i: number) =>
      `${c}.${wave}-${book}-${i}@example.com`;
    const emails = (c: string, book: number, wave: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ email: email(c, book, wave, i) }));

    // Wave A: full windows of adds, confirmed and committed before anything else happens.
    const waveA = interleave(
      rand,
      pairs.flatMap(({ c, books }) =>
        books.map((b) => emails(c.id, b, 'a', BATCH).map((p) => makeEvent(rand, c.id, b, 'ADD', p))),
      ),
    );
    proxy.label = 'run1';
    const run1 = spawnService('run1', env);
    processes.push(run1);
    const placed: Placed<MembershipChange>[] = await producer.send(waveA);
    await waitFor(
      'wave A committed',
      async () => (await committedTotal(kafka, env.KAFKA_GROUP_ID!, topic)) === waveA.length,
      60_000,
    );
    const idOf = new Map(
      world.sandbox
        .inspect()
        .accounts.flatMap((a) => a.books.flatMap((b) => b.members))
        .map((m) => [m.email!, m.contactId]),
    );

    // Wave B, imports now take 10 s. Per connector: one full remove window first (confirmed
    // before SIGTERM: the committed offsets must move past wave A), then, mixed, one full add window
    // (sent, in flight at SIGTERM), one open add window (sent by the flush, in flight) and one open
    // remove window (sent and confirmed by the flush).
    proxy.delay = (method, path) => (method === 'PUT' && path.endsWith('/contacts/v3/import') ? 10_000 : 0);
    const fullRemoves = pairs.map(({ c, books }) =>
      emails(c.id, books[2]!, 'a', BATCH).map((p) => makeEvent(rand, c.id, books[2]!, 'REMOVE', p)),
    );
    const mixed = pairs.flatMap(({ c, books: [b0, b1, , b3] }) => [
      emails(c.id, b0!, 'b', BATCH).map((p) => makeEvent(rand, c.id, b0!, 'ADD', p)),
      emails(c.id, b1!, 'b', OPEN).map((p) => makeEvent(rand, c.id, b1!, 'ADD', p)),
      emails(c.id, b3!, 'a', OPEN).map((p) => makeEvent(rand, c.id, b3!, 'REMOVE', p)),
    ]);
    const waveB = [...interleave(rand, fullRemoves), ...interleave(rand, mixed)];
    placed.push(...(await producer.send(waveB)));
    await producer.disconnect();
    await waitFor(
      'full windows sent',
      () => {
        const t = contactTraffic(proxy.exchanges);
        return (
          t.imports.filter((i) => i.label === 'run1').length === waveA.length / BATCH + pairs.length &&
          t.deletes.filter((d) => d.confirmed).length === pairs.length
        );
      },
      30_000,
    );

    run1.child.kill('SIGTERM');
    expect(await run1.exited).toBe(0);
    const committed = await committedOffsets(kafka, env.KAFKA_GROUP_ID!, topic);
    const traffic = contactTraffic(proxy.exchanges);
    const run1Imports = traffic.imports.filter((i) => i.label === 'run1');
    const run1Deletes = traffic.deletes.filter((d) => d.label === 'run1');

    // Nothing sent twice within the run: no (book, contact) in two imports or two deletes.
    const twice = (keys: string[]) => keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(twice(run1Imports.flatMap((i) => i.identifiers.map((x) => `${i.book}|${x}`)))).toEqual([]);
    expect(twice(run1Deletes.flatMap((d) => d.contactIds.map((x) => `${d.book}|${x}`)))).toEqual([]);

    // Confirmed per event; the committed offset is where the confirmed prefix of its partition ends.
    const confirmedAdds = new Set(
      run1Imports.filter((i) => i.confirmed).flatMap((i) => i.identifiers.map((x) => `${i.book}|${x}`)),
    );
    const confirmedRemoves = new Set(
      run1Deletes.filter((d) => d.confirmed).flatMap((d) => d.contactIds.map((x) => `${d.book}|${x}`)),
    );
    const isConfirmed = (e: MembershipChange) =>
      e.action === 'ADD'
        ? confirmedAdds.has(`${e.addressBookId}|${e.profile.email}`)
        : confirmedRemoves.has(`${e.addressBookId}|${idOf.get(e.profile.email!)}`);
    for (const partition of new Set(placed.map((p) => p.partition))) {
      const list = placed.filter((p) => p.partition === partition).sort((a, b) => a.offset - b.offset);
      const firstOpen = list.find((p) => !isConfirmed(p.item));
      const want = firstOpen?.offset ?? list.at(-1)!.offset + 1;
      expect(committed.get(partition) ?? 0, `partition ${partition}`).toBe(want);
    }
    expect([...committed.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(
      waveA.length + pairs.length * BATCH,
    );
    // The run did stop mid-way: in-flight imports were abandoned, the flushed removes confirmed.
    expect(run1Imports.some((i) => !i.confirmed)).toBe(true);
    const flushedRemoves = waveB.filter(
      (e) => e.action === 'REMOVE' && pairs.some(({ books }) => books[3] === e.addressBookId),
    );
    expect(flushedRemoves.filter((e) => !isConfirmed(e))).toEqual([]);

    // Everything below the committed offsets is in the sandbox now.
    const below = placed.filter((p) => p.offset < (committed.get(p.partition) ?? 0)).map((p) => p.item);
    const after = new Set(
      placed
        .filter((p) => p.offset >= (committed.get(p.partition) ?? 0))
        .map((p) => `${p.item.addressBookId}|${labelOf(p.item.profile)}`),
    );
    expect(
      diffMemberships(oracleOf(world.connectors, below).expected(world.books), world.actual(), {
        skip: after,
      }),
    ).toBe('');

    // The restart sends only what lies at or past the committed offsets, and ends exact.
    proxy.delay = () => 0;
    proxy.label = 'run2';
    const run2 = spawnService('run2', { ...env, WINDOW_MS: '1000' });
    processes.push(run2);
    const total = waveA.length + waveB.length;
    await waitFor(
      'every offset committed',
      async () => (await committedTotal(kafka, env.KAFKA_GROUP_ID!, topic)) === total,
      60_000,
    );
    const offsetOf = new Map(
      placed.map((p) => [
        `${p.item.action}|${p.item.addressBookId}|${p.item.action === 'ADD' ? p.item.profile.email : idOf.get(p.item.profile.email!)}`,
        p,
      ]),
    );
    const again = contactTraffic(proxy.exchanges);
    const resent = [
      ...again.imports
        .filter((i) => i.label === 'run2')
        .flatMap((i) => i.identifiers.map((x) => offsetOf.get(`ADD|${i.book}|${x}`))),
      ...again.deletes
        .filter((d) => d.label === 'run2')
        .flatMap((d) => d.contactIds.map((x) => offsetOf.get(`REMOVE|${d.book}|${x}`))),
    ];
    expect(resent.length).toBeGreaterThan(0);
    expect(resent.filter((p) => p === undefined || p.offset < (committed.get(p.partition) ?? 0))).toEqual([]);
    const expected = oracleOf(world.connectors, [...waveA, ...waveB]).expected(world.books);
    expect(diffMemberships(expected, world.actual(), { history: historyOf(placed) })).toBe('');
    run2.child.kill('SIGTERM');
    expect(await run2.exited).toBe(0);
  }, 150_000);
});
