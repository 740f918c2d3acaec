import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { stackEnv } from './stack-env.js';

/** A kafkajs client for the local stack's brokers. */
export function testKafka(clientId = 'integration-test'): Kafka {
  return new Kafka({ clientId, brokers: stackEnv().kafkaBrokers, logLevel: logLevel.ERROR });
}

async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates a topic and returns once every partition has a leader, so producers and consumers that
 * start right after it do not race the controller.
 */
export async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    if (!created) throw new Error(`topic ${topic} already exists`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const ready = topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0;
      if (ready === partitions) return;
      if (Date.now() > deadline)
        throw new Error(`topic ${topic}: ${ready}/${partitions} partitions have a leader after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}

/** Deletes topics; topics that are already gone are fine. */
export async function deleteTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  await withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((topic) => existing.has(topic));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed, timeout: 30_000 });
  });
}

/** Sum of the group's committed offsets on a topic (partitions with no commit count as 0). */
export async function committedTotal(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(Number(p.offset), 0), 0);
  });
}
