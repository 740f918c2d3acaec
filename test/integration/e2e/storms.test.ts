/**
 * Issue 6d: a storm of 5xx answers, then a storm of 429s, while events keep arriving: the final
 * membership is exact, every offset is committed and nothing is dead-lettered.
 *
 * Why no batch can be dead-lettered by the 5xx storm (so the test cannot flake on it): the storm
 * lasts STORM_MS, and a batch is dead-lettered only after RETRY_MAX_ATTEMPTS failed attempts, which
 * are at least the sum of the minimum back-offs apart (a quarter of min(max, base·2^(n-1)):
 * 12.5 + 25 + 50 + 100 + 200 + 250 × 24 ≈ 6.4 s for 30 attempts) — longer than the storm.
 * 429s never use up attempts (src/consumer/failure-policy.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import type { LimitScope } from '../../../src/sandbox/index.js';
import { startService, type RunningService } from '../../../src/service.js';
import { waitFor } from '../helpers/events.js';
import { startWorld, type E2eWorld } from '../helpers/e2e-harness.js';
import { historyOf, recordCount, TrackedProducer, Trickle } from '../helpers/e2e-kafka.js';
import { metricSum } from '../helpers/e2e-process.js';
import {
  diffMemberships,
  generateWorkload,
  oracleOf,
  seededRandom,
  testSeed,
} from '../helpers/e2e-workload.js';
import { committedTotal, testKafka } from '../helpers/kafka.js';

const STORM_MS = 4000;
const SCOPES: LimitScope[] = ['contactImport', 'contactDelete', 'contactLookup', 'jobStatus'];
const kafka = testKafka('e2e-storms');
const rand = seededRandom(testSeed('storms'));
let world: E2eWorld;
let service: RunningService | undefined;

beforeAll(async () => {
  world = await startWorld(kafka, rand);
});

afterAll(async () => {
  world.sandbox.control.clearFaults();
  await service?.stop(false);
  await world.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('storms', () => {
  it('a 5xx storm, then a 429 storm: the final state is exact and nothing is dead-lettered', async () => {
    const { topic, dlq } = await world.topics(4);
    const env = world.env(topic, dlq, { RETRY_MAX_ATTEMPTS: '30' });
    const events = generateWorkload(rand, world.connectors, { events: 8000, emailsPerConnector: 1500 });
    const producer = await TrackedProducer.connect(kafka, topic);
    service = await startService(loadConfig(env), silentLogger(), env);
    const trickle = new Trickle(producer, events, 200, 250); // ~12 s of production, across both storms
    const { sandbox } = world;

    await sleep(1500);
    sandbox.control.setFaults({ serverErrorRate: 0.5, scopes: SCOPES });
    await sleep(STORM_MS);
    const serverErrors = sandbox.callCount({ status: '503' });
    sandbox.control.setFaults({ tooManyRequestsRate: 0.5, scopes: SCOPES });
    await sleep(STORM_MS);
    const throttled = sandbox.callCount({ status: '429' });
    sandbox.control.clearFaults();
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

    // The storms were real and the service felt them.
    expect(serverErrors).toBeGreaterThan(50);
    // A 429 cools the whole account down until the announced reset, so few calls meet the storm.
    expect(throttled).toBeGreaterThan(0);
    const metrics = await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text();
    expect(metricSum(metrics, 'dotdigital_sync_batch_retries_total')).toBeGreaterThan(0);
    expect(metricSum(metrics, 'dotdigital_sync_ratelimit_429_total')).toBeGreaterThan(0);
    expect(
      metricSum(metrics, 'dotdigital_sync_ratelimit_cooldowns_total', { reason: '429' }),
    ).toBeGreaterThan(0);
  }, 150_000);
});
