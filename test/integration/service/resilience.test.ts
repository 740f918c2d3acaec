/**
 * Semantics 5, 6 and 8 of DESIGN.md on the real stack: a bad connector does not block the
 * others, backpressure pauses past the session timeout without losing membership, and
 * rebalances between two members neither lose nor hold back a change.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { startService, type RunningService } from '../../../src/service.js';
import { committedTotal, createTopic, deleteTopics, testKafka } from '../helpers/kafka.js';
import { event, produce, readAll, testRegistry, waitFor } from '../helpers/events.js';
import { bookId, cleanupRedis, getJson, members, serviceFixture } from '../helpers/service.js';
import { uniqueName } from '../helpers/stack-env.js';

const kafka = testKafka('resilience');
let sandbox: Sandbox;
const running: RunningService[] = [];
const topics: string[] = [];
const prefixes: string[] = [];

async function topicsFor(partitions: number): Promise<{ topic: string; dlq: string }> {
  const topic = uniqueName('res-in');
  const dlq = uniqueName('res-dlq');
  topics.push(topic, dlq);
  await createTopic(kafka, topic, partitions);
  await createTopic(kafka, dlq, 1);
  return { topic, dlq };
}

async function start(env: Record<string, string>): Promise<RunningService> {
  prefixes.push(env.REDIS_KEY_PREFIX!);
  const s = await startService(loadConfig(env), silentLogger(), env);
  running.push(s);
  return s;
}

beforeAll(async () => {
  sandbox = await startSandbox({ importDelayMs: 50, deletionDelayMs: 50 });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop(false)));
});

afterAll(async () => {
  await sandbox.close();
  await deleteTopics(kafka, topics);
  await cleanupRedis(prefixes);
});

describe('one bad connector', () => {
  it('is dead-lettered after bounded retries while the others on the same partition flow, and recovers on reload', async () => {
    const { topic, dlq } = await topicsFor(1);
    const fx = serviceFixture(sandbox, topic, dlq, { BROKEN_PW: 'wrong-password' });
    fx.writeConnectors(`connectors:
  - id: demo
    username: apiuser-demo@apiconnector.com
    passwordEnv: DEMO_PW
  - id: broken
    username: apiuser-eu@apiconnector.com
    passwordEnv: BROKEN_PW
`);
    await start(fx.env);
    const news = bookId(sandbox, 'Newsletter');
    const euBook = bookId(sandbox, 'Newsletter', 410002);
    const good = Array.from({ length: 40 }, (_, i) => event('demo', news, 'ADD', { email: `good${i}@example.com` }));
    const bad = Array.from({ length: 10 }, (_, i) => event('broken', euBook, 'ADD', { email: `bad${i}@example.com` }));
    await produce(kafka, topic, good.flatMap((g, i) => (i < bad.length ? [g, bad[i]!] : [g])));
    await waitFor('all 50 offsets committed', async () => (await committedTotal(kafka, fx.env.KAFKA_GROUP_ID!, topic)) === 50);
    expect(members(sandbox, news)).toEqual(expect.arrayContaining(good.map((e) => e.profile.email)));
    const letters = await readAll(kafka, dlq, 10);
    const registry = testRegistry();
    const codes = await Promise.all(letters.map(async (l) => ((await registry.decode(l.value!)) as { errorCode: string; attempts: number; connectorId: string })));
    expect(codes.map((c) => c.errorCode)).toEqual(Array(10).fill('DD_INVALID_CREDENTIALS'));
    expect(codes.every((c) => c.attempts === 3 && c.connectorId === 'broken')).toBe(true);

    // The credentials are fixed by a reload of the connectors file (no restart): new events go through.
    fx.writeConnectors(`connectors:
  - id: demo
    username: apiuser-demo@apiconnector.com
    passwordEnv: DEMO_PW
  - id: broken
    username: apiuser-eu@apiconnector.com
    passwordEnv: FIXED_PW
`);
    process.env.FIXED_PW = 'demo-password-3';
    fx.env.FIXED_PW = 'demo-password-3';
    process.kill(process.pid, 'SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    await produce(kafka, topic, [event('broken', euBook, 'ADD', { email: 'after-fix@example.com' })]);
    await waitFor('the fixed connector syncs', () => members(sandbox, euBook).includes('after-fix@example.com'), 30_000);
  });
});

describe('backpressure', () => {
  it('pauses fetching above the high-water mark for longer than the session timeout and keeps the membership', async () => {
    const { topic, dlq } = await topicsFor(1);
    const fx = serviceFixture(sandbox, topic, dlq, {
      WINDOW_MS: '600000',
      MAX_BATCH_SIZE: '1000',
      MAX_BUFFERED_ENTRIES: '100',
      RESUME_BUFFERED_ENTRIES: '50',
      SEND_CONCURRENCY: '1',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ADMIN_TOKEN: 'test-token',
    });
    // Each import takes 7 s: with one send slot, the buffer stays full (fetching paused) while
    // the batch before it is out, longer than the 6 s session timeout.
    sandbox.control.setFaults({ latencyMs: 7000, scopes: ['contactImport'] });
    try {
      const svc = await start(fx.env);
      const book = bookId(sandbox, 'Welcome journey');
      await produce(kafka, topic, Array.from({ length: 200 }, (_, i) => event('demo', book, 'ADD', { email: `bp${i}@example.com` })));
      const status = () => getJson(`http://127.0.0.1:${svc.httpPort}/status`, 'test-token') as Promise<{ paused: boolean; generation: number }>;
      let pausedSince: number | undefined;
      let longestPauseMs = 0;
      let generation: number | undefined;
      await waitFor('all 200 committed', async () => {
        const st = await status();
        generation ??= st.generation;
        if (st.paused) pausedSince ??= Date.now();
        else pausedSince = undefined;
        if (pausedSince !== undefined) longestPauseMs = Math.max(longestPauseMs, Date.now() - pausedSince);
        return (await committedTotal(kafka, fx.env.KAFKA_GROUP_ID!, topic)) === 200;
      }, 90_000);
      expect(longestPauseMs).toBeGreaterThan(6000);
      expect((await status()).generation).toBe(generation); // no rebalance while paused
      expect(members(sandbox, book)).toHaveLength(200);
      const metrics = await (await fetch(`http://127.0.0.1:${svc.httpPort}/metrics`)).text();
      expect(metrics).toMatch(/dotdigital_sync_rebalances_total 1\b/);
    } finally {
      sandbox.control.clearFaults();
    }
  });
});

describe('rebalances', () => {
  it('two members joining and leaving lose nothing, and every offset ends committed', async () => {
    const { topic, dlq } = await topicsFor(4);
    const fx = serviceFixture(sandbox, topic, dlq, { WINDOW_MS: '2000', KAFKA_SESSION_TIMEOUT_MS: '6000' });
    const book = bookId(sandbox, 'Win-back journey');
    const first = await start(fx.env);
    const wave = (from: number, n: number) => Array.from({ length: n }, (_, i) => event('demo', book, 'ADD', { email: `rb${from + i}@example.com` }));
    await produce(kafka, topic, wave(0, 200));
    await start(fx.env); // second member: a rebalance while the first holds buffered entries
    await produce(kafka, topic, wave(200, 200));
    await new Promise((r) => setTimeout(r, 1000));
    await first.stop(true); // and another as the first leaves
    running.splice(running.indexOf(first), 1);
    await produce(kafka, topic, wave(400, 100));
    await waitFor('all 500 committed', async () => (await committedTotal(kafka, fx.env.KAFKA_GROUP_ID!, topic)) === 500, 90_000);
    await waitFor('all 500 members', () => members(sandbox, book).length === 500, 30_000);
  });
});
