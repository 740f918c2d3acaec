/**
 * `dotdigital-sync replay` as a child process against the local Kafka: a dry run changes no
 * committed offset, a confirmed run moves them, and an active member of the group refuses it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedTotal, createTopic, deleteTopics, testKafka } from '../helpers/kafka.js';
import { event, produce, waitFor } from '../helpers/events.js';
import { uniqueName } from '../helpers/stack-env.js';
import { kafkaEnv, runCli } from './run-cli.js';

const kafka = testKafka('cli-replay');
const topic = uniqueName('cli-replay');
const group = uniqueName('cli-replay-group');
const env = kafkaEnv({ KAFKA_TOPICS: topic, KAFKA_GROUP_ID: group });
const EVENTS = 30;

async function commitAtEnd(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const marks = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId: group, topic, partitions: marks.map((m) => ({ partition: m.partition, offset: m.high })) });
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  await createTopic(kafka, topic, 2);
  await produce(kafka, topic, Array.from({ length: EVENTS }, (_, i) => event(`c${i % 5}`, 1, 'ADD', { email: `r${i}@example.com` })));
  await commitAtEnd();
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([group]).catch(() => undefined);
  await admin.disconnect();
  await deleteTopics(kafka, [topic]);
});

describe('replay', () => {
  it('--dry-run prints the plan and leaves the committed offsets alone', async () => {
    expect(await committedTotal(kafka, group, topic)).toBe(EVENTS);
    const r = await runCli(['replay', '--to-earliest', '--dry-run'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`dry run: would set offsets of group ${group} on ${topic}`);
    expect(r.stdout).toMatch(new RegExp(`total lag: 0 before, ${EVENTS} after`));
    expect(await committedTotal(kafka, group, topic)).toBe(EVENTS);
  });

  it('refuses to apply off a terminal without --yes (exit 4)', async () => {
    const r = await runCli(['replay', '--group', group, '--topic', topic, '--to-earliest'], env);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('pass --yes');
    expect(await committedTotal(kafka, group, topic)).toBe(EVENTS);
  });

  it('moves the offsets with --yes: to the earliest, then to explicit offsets', async () => {
    const r = await runCli(['replay', '--group', group, '--topic', topic, '--to-earliest', '--yes'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await committedTotal(kafka, group, topic)).toBe(0);
    const back = await runCli(['replay', '--to-offset', '0:3,1:4', '--yes'], env);
    expect(back.code, back.stderr).toBe(0);
    expect(await committedTotal(kafka, group, topic)).toBe(7);
  });

  it('refuses while a consumer of the group is connected (exit 4), offsets untouched', async () => {
    await commitAtEnd();
    const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    try {
      await consumer.subscribe({ topic });
      await consumer.run({ autoCommit: false, eachMessage: () => Promise.resolve() });
      await waitFor('the consumer joined', () => joined, 30_000);
      const r = await runCli(['replay', '--to-earliest', '--yes'], env);
      expect(r.code).toBe(4);
      expect(r.stdout).toMatch(/refused: group .* has 1 active member/);
      expect(await committedTotal(kafka, group, topic)).toBe(EVENTS);
    } finally {
      await consumer.disconnect();
    }
  });
});
