/**
 * Issue 6a: 20,000 membership changes over 3 connectors and 50 address books end with exactly
 * the membership their last events say, every offset committed and nothing dead-lettered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { startService, type RunningService } from '../../../src/service.js';
import { waitFor } from '../helpers/events.js';
import { startWorld, type E2eWorld } from '../helpers/e2e-harness.js';
import { historyOf, recordCount, TrackedProducer } from '../helpers/e2e-kafka.js';
import {
  diffMemberships,
  generateWorkload,
  oracleOf,
  seededRandom,
  testSeed,
} from '../helpers/e2e-workload.js';
import { committedTotal, testKafka } from '../helpers/kafka.js';

const kafka = testKafka('e2e-volume');
const rand = seededRandom(testSeed('volume'));
let world: E2eWorld;
let service: RunningService | undefined;

beforeAll(async () => {
  world = await startWorld(kafka, rand);
});

afterAll(async () => {
  await service?.stop(false);
  await world.close();
});

describe('volume', () => {
  it('20,000 events over 3 connectors and 50 books end with exactly the expected memberships', async () => {
    const { topic, dlq } = await world.topics(6);
    const env = world.env(topic, dlq);
    const events = generateWorkload(rand, world.connectors, { events: 20_000, weights: [0.4, 0.25, 0.35] });
    const producer = await TrackedProducer.connect(kafka, topic);
    service = await startService(loadConfig(env), silentLogger(), env);
    const placed = await producer.send(events);
    await producer.disconnect();

    await waitFor(
      'all 20,000 offsets committed',
      async () => (await committedTotal(kafka, env.KAFKA_GROUP_ID!, topic)) === events.length,
      150_000,
    );
    const expected = oracleOf(world.connectors, events).expected(world.books);
    expect(diffMemberships(expected, world.actual(), { history: historyOf(placed) })).toBe('');
    expect([...expected.values()].reduce((n, s) => n + s.size, 0)).toBeGreaterThan(1000); // the mix leaves real memberships
    expect(await recordCount(kafka, dlq)).toBe(0);
  }, 180_000);
});
