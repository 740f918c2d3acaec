/**
 * Issue 6b: the real service process is SIGKILLed at 5 random (seeded) moments while events keep
 * arriving, and restarted each time. After every kill, nothing the group committed is missing
 * from the sandbox; at the end the membership is exact: no change is lost.
 *
 * The check after a kill: with production held and no process running (jobs the dead process
 * started end within the sandbox's delays), every (book, contact) whose events all lie below the
 * committed offsets must be in the state its last event says. One that has an event at or past a
 * committed offset is left out: that event may or may not have been applied yet, both are fine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/events.js';
import { startWorld, type E2eWorld } from '../helpers/e2e-harness.js';
import { committedOffsets, historyOf, recordCount, TrackedProducer, Trickle } from '../helpers/e2e-kafka.js';
import { killAll, spawnService, type ServiceProcess } from '../helpers/e2e-process.js';
import {
  diffMemberships,
  generateWorkload,
  labelOf,
  oracleOf,
  seededRandom,
  testSeed,
} from '../helpers/e2e-workload.js';
import { committedTotal, testKafka } from '../helpers/kafka.js';

const kafka = testKafka('e2e-crash');
const rand = seededRandom(testSeed('crash'));
let world: E2eWorld;
const processes: ServiceProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  world = await startWorld(kafka, rand);
});

afterAll(async () => {
  await killAll(processes);
  await world.close();
});

describe('SIGKILL', () => {
  it('killed at 5 random moments and restarted: nothing committed before it was applied, no change lost', async () => {
    const { topic, dlq } = await world.topics(4);
    const env = world.env(topic, dlq);
    const group = env.KAFKA_GROUP_ID!;
    const events = generateWorkload(rand, world.connectors, { events: 10_000, emailsPerConnector: 1500 });
    // Kill moments: the third while the process starts and joins, the others into its work (a
    // restart waits for the group to drop the killed member, up to the session timeout).
    const kills = Array.from({ length: 5 }, (_, i) => ({
      whileStarting: i === 2,
      ms: i === 2 ? 500 + rand.int(3000) : 200 + rand.int(4000),
    }));
    const producer = await TrackedProducer.connect(kafka, topic);
    const trickle = new Trickle(producer, events, 100, 400);
    const progress: string[] = [];

    for (const [i, { whileStarting, ms }] of kills.entries()) {
      const run = spawnService(`run${i}`, env);
      processes.push(run);
      if (!whileStarting) await run.running();
      await sleep(ms);
      run.child.kill('SIGKILL');
      expect(await run.exited).toBe('SIGKILL');
      await trickle.held(async () => {
        await sleep(300);
        const committed = await committedOffsets(kafka, group, topic);
        const below = (p: { partition: number; offset: number }) =>
          p.offset < (committed.get(p.partition) ?? 0);
        const open = new Set(
          trickle.placed
            .filter((p) => !below(p))
            .map((p) => `${p.item.addressBookId}|${labelOf(p.item.profile)}`),
        );
        const expected = oracleOf(
          world.connectors,
          trickle.placed.filter(below).map((p) => p.item),
        ).expected(world.books);
        const diff = diffMemberships(expected, world.actual(), {
          skip: open,
          history: historyOf(trickle.placed),
        });
        progress.push(
          `kill ${i + 1} ${ms} ms after ${whileStarting ? 'start' : 'running'}: committed ${[...committed.values()].reduce((a, b) => a + b, 0)} of ${trickle.placed.length} produced`,
        );
        expect(diff, `after kill ${i + 1}`).toBe('');
      });
    }

    const last = spawnService('final', env);
    processes.push(last);
    await trickle.done;
    await producer.disconnect();
    await waitFor(
      'every offset committed',
      async () => (await committedTotal(kafka, group, topic)) === events.length,
      90_000,
    );
    console.log(`[e2e] crash: ${progress.join('; ')}`);
    const expected = oracleOf(world.connectors, events).expected(world.books);
    expect(diffMemberships(expected, world.actual(), { history: historyOf(trickle.placed) })).toBe('');
    expect(await recordCount(kafka, dlq)).toBe(0);
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
  }, 240_000);
});
