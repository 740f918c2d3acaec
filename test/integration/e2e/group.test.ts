/**
 * Issue 6c: two service processes share the group; mid-run a third joins and one of the first two
 * leaves (SIGTERM), while events keep arriving. Every offset ends committed and the membership is
 * exact; the newcomer did take part; the leaver exited cleanly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/events.js';
import { startWorld, type E2eWorld } from '../helpers/e2e-harness.js';
import { historyOf, recordCount, TrackedProducer, Trickle } from '../helpers/e2e-kafka.js';
import { killAll, metricSum, spawnService, type ServiceProcess } from '../helpers/e2e-process.js';
import {
  diffMemberships,
  generateWorkload,
  oracleOf,
  seededRandom,
  testSeed,
} from '../helpers/e2e-workload.js';
import { committedTotal, testKafka } from '../helpers/kafka.js';

const kafka = testKafka('e2e-group');
const rand = seededRandom(testSeed('group'));
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

describe('group membership changes', () => {
  it('two members, a third joins and one leaves mid-run: the final state is exact', async () => {
    const { topic, dlq } = await world.topics(3); // one per connector: each of 3 members has work
    const env = world.env(topic, dlq);
    const start = (name: string) => {
      const p = spawnService(name, env);
      processes.push(p);
      return p;
    };
    const events = generateWorkload(rand, world.connectors, { events: 9000, emailsPerConnector: 1500 });
    const producer = await TrackedProducer.connect(kafka, topic);
    const [first, second] = [start('first'), start('second')];
    await Promise.all([first.running(), second.running()]);
    const trickle = new Trickle(producer, events, 100, 300);

    await sleep(2000 + rand.int(3000));
    const third = start('third');
    await third.running();
    await sleep(2000 + rand.int(3000));
    const leaver = rand.chance(0.5) ? first : second;
    const stayer = leaver === first ? second : first;
    leaver.child.kill('SIGTERM');
    expect(await leaver.exited).toBe(0);

    await trickle.done;
    await producer.disconnect();
    await waitFor(
      'every offset committed',
      async () => (await committedTotal(kafka, env.KAFKA_GROUP_ID!, topic)) === events.length,
      90_000,
    );
    const expected = oracleOf(world.connectors, events).expected(world.books);
    expect(diffMemberships(expected, world.actual(), { history: historyOf(trickle.placed) })).toBe('');
    expect(await recordCount(kafka, dlq)).toBe(0);
    expect(metricSum(await third.metrics(), 'dotdigital_sync_records_consumed_total')).toBeGreaterThan(0);

    stayer.child.kill('SIGTERM');
    third.child.kill('SIGTERM');
    expect(await Promise.all([stayer.exited, third.exited])).toEqual([0, 0]);
  }, 180_000);
});
