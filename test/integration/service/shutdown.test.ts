/**
 * Shutdown of the real CLI process: SIGTERM flushes what is buffered within the deadline, commits
 * and exits 0; a second signal exits at once (130) and commits nothing that is not final.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { committedTotal, createTopic, deleteTopics, testKafka } from '../helpers/kafka.js';
import { event, produce, waitFor } from '../helpers/events.js';
import { bookId, cleanupRedis, members, serviceFixture } from '../helpers/service.js';
import { uniqueName } from '../helpers/stack-env.js';

const kafka = testKafka('shutdown');
const cli = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
let sandbox: Sandbox;
const topics: string[] = [];
const prefixes: string[] = [];

function runCli(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'run'], { env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function setup(): Promise<{ topic: string; env: Record<string, string>; book: number }> {
  const topic = uniqueName('sd-in');
  const dlq = uniqueName('sd-dlq');
  topics.push(topic, dlq);
  await createTopic(kafka, topic, 2);
  await createTopic(kafka, dlq, 1);
  // Windows never close by age during the test: only the shutdown flush can send them.
  const { env } = serviceFixture(sandbox, topic, dlq, { WINDOW_MS: '600000', MAX_BATCH_SIZE: '1000', SHUTDOWN_DEADLINE_MS: '20000' });
  prefixes.push(env.REDIS_KEY_PREFIX!);
  return { topic, env, book: bookId(sandbox, 'Newsletter') };
}

beforeAll(async () => {
  sandbox = await startSandbox({ importDelayMs: 300, deletionDelayMs: 50 });
});

afterAll(async () => {
  await sandbox.close();
  await deleteTopics(kafka, topics);
  await cleanupRedis(prefixes);
});

describe('shutdown', () => {
  it('SIGTERM flushes buffered windows, commits everything and exits 0', async () => {
    const { topic, env, book } = await setup();
    const run = runCli(env);
    await waitFor('service running', () => run.output().includes('dotdigital-sync running'), 60_000);
    const events = Array.from({ length: 120 }, (_, i) => event('demo', book, 'ADD', { email: `sd${i}@example.com` }));
    await produce(kafka, topic, events);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await committedTotal(kafka, env.KAFKA_GROUP_ID!, topic)).toBe(0); // nothing final yet
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(await committedTotal(kafka, env.KAFKA_GROUP_ID!, topic)).toBe(120);
    expect(members(sandbox, book)).toEqual(expect.arrayContaining(events.map((e) => e.profile.email)));
    expect(run.output()).toMatch(/"msg":"flushed"/);
    expect(run.output()).not.toContain('demo-password-1');
  });

  it('a second signal exits at once with 130 and commits nothing unconfirmed', async () => {
    const { topic, env, book } = await setup();
    sandbox.control.setFaults({ latencyMs: 5000, scopes: ['contactImport'] });
    const run = runCli(env);
    await waitFor('service running', () => run.output().includes('dotdigital-sync running'), 60_000);
    await produce(kafka, topic, Array.from({ length: 50 }, (_, i) => event('demo', book, 'ADD', { email: `sd2-${i}@example.com` })));
    await new Promise((r) => setTimeout(r, 2500));
    run.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(130);
    sandbox.control.clearFaults();
    expect(await committedTotal(kafka, env.KAFKA_GROUP_ID!, topic)).toBe(0);
  });
});
