/**
 * A partition changes owner while an import is still running at DotDigital (real imports take
 * seconds to minutes; the sandbox is set to 15 s here). The contact's later REMOVE is re-delivered
 * to the new owner together with the ADD; coalesced, only the REMOVE is sent, the contact is not
 * there yet (404 = removed), the offsets are committed, and then the old owner's import lands:
 * the contact ends in the book although its last event says it left.
 *
 * This failed on the service before running jobs were shared between processes
 * (src/sink/job-tracker.ts, src/limits/job-registry.ts): now the new owner's REMOVE waits for the
 * old owner's import of that book to land.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { startService, type RunningService } from '../../../src/service.js';
import { waitFor } from '../helpers/events.js';
import { startWorld, type E2eWorld } from '../helpers/e2e-harness.js';
import { TrackedProducer } from '../helpers/e2e-kafka.js';
import { killAll, spawnService, type ServiceProcess } from '../helpers/e2e-process.js';
import { makeEvent, seededRandom, testSeed } from '../helpers/e2e-workload.js';
import { committedTotal, testKafka } from '../helpers/kafka.js';

const IMPORT_MS = 15_000;
const kafka = testKafka('e2e-handover');
const rand = seededRandom(testSeed('handover'));
let world: E2eWorld;
const processes: ServiceProcess[] = [];
const services: RunningService[] = [];

beforeAll(async () => {
  world = await startWorld(kafka, rand);
  world.sandbox.control.setSettings({ importDelayMs: IMPORT_MS });
});

afterEach(async () => {
  await killAll(processes.splice(0));
  await Promise.all(services.splice(0).map((s) => s.stop(false)));
});

afterAll(async () => {
  await world.close();
});

const activeImports = () => world.sandbox.inspect().accounts.reduce((n, a) => n + a.activeImports, 0);
const isMember = (book: number, email: string) => world.actual().get(book)?.has(email) === true;

describe('handover while an import runs', () => {
  it('SIGKILL, restart: the REMOVE that followed the in-flight ADD is not lost', async () => {
    const { topic, dlq } = await world.topics(1);
    const env = world.env(topic, dlq, { WINDOW_MS: '300' });
    const producer = await TrackedProducer.connect(kafka, topic);
    const c = world.connectors[0]!;
    const book = c.books[0]!;
    const email = `${c.id}.handover-kill@example.com`;
    const first = spawnService('first', env);
    processes.push(first);
    await first.running();
    await producer.send([makeEvent(rand, c.id, book, 'ADD', { email })]);
    await waitFor('the import started', () => activeImports() === 1, 20_000);
    await producer.send([makeEvent(rand, c.id, book, 'REMOVE', { email })]);
    await new Promise((r) => setTimeout(r, 1000)); // buffered behind the import in flight
    first.child.kill('SIGKILL');
    await first.exited;

    const second = spawnService('second', env);
    processes.push(second);
    await waitFor(
      'both offsets committed',
      async () => (await committedTotal(kafka, env.KAFKA_GROUP_ID!, topic)) === 2,
      60_000,
    );
    await producer.disconnect();
    await waitFor('every import ended', () => activeImports() === 0, IMPORT_MS + 5000);
    expect(isMember(book, email), `${email} left (last event REMOVE) but is in book ${book}`).toBe(false);
  }, 90_000);

  it('a member joins: the REMOVE re-delivered to the new owner is not overtaken by the old owner’s import', async () => {
    // shop-eu and shop-eu-journeys land on different partitions of 2, so whichever partition the
    // newcomer takes, it takes one with an import in flight at the first member.
    const { topic, dlq } = await world.topics(2);
    const env = world.env(topic, dlq, { WINDOW_MS: '300' });
    const producer = await TrackedProducer.connect(kafka, topic);
    const pairs = world.connectors
      .slice(0, 2)
      .map((c) => ({ c, book: c.books[1]!, email: `${c.id}.handover-join@example.com` }));
    services.push(await startService(loadConfig(env), silentLogger(), env));
    await producer.send(pairs.map(({ c, book, email }) => makeEvent(rand, c.id, book, 'ADD', { email })));
    await waitFor('both imports started', () => activeImports() === 2, 20_000);
    await producer.send(pairs.map(({ c, book, email }) => makeEvent(rand, c.id, book, 'REMOVE', { email })));
    await new Promise((r) => setTimeout(r, 1000));

    services.push(await startService(loadConfig(env), silentLogger(), env));
    await waitFor(
      'all offsets committed',
      async () => (await committedTotal(kafka, env.KAFKA_GROUP_ID!, topic)) === 4,
      60_000,
    );
    await producer.disconnect();
    await waitFor('every import ended', () => activeImports() === 0, IMPORT_MS + 5000);
    expect(pairs.filter(({ book, email }) => isMember(book, email)).map((p) => p.email)).toEqual([]);
  }, 90_000);
});
