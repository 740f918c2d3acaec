/**
 * `dotdigital-sync backfill-estimate` as a child process: the lag of a group on a real topic,
 * the mix of adds and removes measured on a sample, and the estimate that follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Estimate, SampleStats } from '../../../src/commands/backfill-plan.js';
import { createTopic, deleteTopics, testKafka } from '../helpers/kafka.js';
import { event, produce } from '../helpers/events.js';
import { uniqueName } from '../helpers/stack-env.js';
import { kafkaEnv, runCli } from './run-cli.js';

const kafka = testKafka('cli-backfill');
const topic = uniqueName('cli-backfill');
const group = uniqueName('cli-backfill-group');
const env = kafkaEnv({ KAFKA_TOPICS: topic, KAFKA_GROUP_ID: group, LIMIT_ADD_PER_MINUTE: '10', LIMIT_REMOVE_PER_MINUTE: '5', LIMIT_LOOKUP_PER_MINUTE: '30' });
const LIMITS = ['--poll-per-minute', '600', '--polls-per-job', '2', '--batch-size', '100'];

interface Output {
  lag: number;
  sample: SampleStats | null;
  estimate: Estimate;
}

async function estimate(...args: string[]): Promise<Output> {
  const r = await runCli(['backfill-estimate', '--json', ...LIMITS, ...args], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Output;
}

beforeAll(async () => {
  await createTopic(kafka, topic, 2);
  await produce(kafka, topic, [
    ...Array.from({ length: 240 }, (_, i) => event('demo', 1, 'ADD', { email: `a${i}@example.com` })),
    ...Array.from({ length: 30 }, (_, i) => event('demo', 1, 'REMOVE', { email: `r${i}@example.com`, contactId: 1000 + i })),
    ...Array.from({ length: 30 }, (_, i) => event('demo', 1, 'REMOVE', { email: `s${i}@example.com` })),
    { raw: Buffer.from('garbage'), key: 'demo' },
    { raw: Buffer.from('more garbage'), key: 'demo' },
  ]);
});

afterAll(async () => {
  await deleteTopics(kafka, [topic]);
});

describe('backfill-estimate', () => {
  it('measures the backlog on a sample and estimates batches, calls and time per class', async () => {
    const out = await estimate();
    expect(out.lag).toBe(302);
    expect(out.sample).toEqual({ records: 302, rejected: 2, adds: 240, removes: 60, removesWithoutContactId: 30, addKeys: 1, removeKeys: 1 });
    const e = out.estimate;
    expect([e.events, e.adds, e.removes, e.addBatches, e.removeBatches]).toEqual([300, 240, 60, 3, 1]);
    expect(Object.fromEntries(e.classes.map((c) => [c.operation, c.calls]))).toEqual({ add: 3, remove: 1, lookup: 30, poll: 8 });
    // 30 look-ups at 30/min are the slowest class.
    expect(e.etaMinutes).toBe(1);
  });

  it('without a sample assumes every event is an add; --add-share and flags override', async () => {
    const all = await estimate('--sample', '0');
    expect(all.sample).toBeNull();
    expect([all.estimate.adds, all.estimate.addBatches]).toEqual([302, 4]);
    expect(all.estimate.etaMinutes).toBeCloseTo(0.4);
    const half = await estimate('--add-share', '0.5', '--remove-per-minute', '1');
    expect([half.estimate.adds, half.estimate.removes, half.estimate.removeBatches]).toEqual([151, 151, 2]);
    expect(half.estimate.etaMinutes).toBeCloseTo(151 / 30);
  });

  it('prints a table with the ETA, and nothing to do once the group has caught up', async () => {
    const r = await runCli(['backfill-estimate', ...LIMITS], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 of 302 sampled record(s) would be dead-lettered');
    expect(r.stdout).toMatch(/lookup\s+30\s+30\s+1m 00s/);
    expect(r.stdout).toMatch(/ETA 1m 00s/);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const marks = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId: group, topic, partitions: marks.map((m) => ({ partition: m.partition, offset: m.high })) });
      const done = await estimate();
      expect([done.lag, done.estimate.calls, done.estimate.etaMinutes]).toEqual([0, 0, 0]);
    } finally {
      await admin.deleteGroups([group]).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
