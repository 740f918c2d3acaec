/**
 * Vitest global setup for the integration project: the local stack must answer before any test
 * runs, so a missing stack fails the run once, with the command that fixes it, instead of as a
 * hundred timeouts. It provides nothing to the tests; they read addresses with stackEnv().
 */
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { stackEnv } from './helpers/stack-env.js';

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function checkKafka(brokers: string[]): Promise<void> {
  const admin = new Kafka({
    clientId: 'integration-global-setup',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 2 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

async function checkRegistry(url: string): Promise<void> {
  const res = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(5000) });
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${url}/subjects answered ${res.status}: ${body.slice(0, 200)}`);
  if (!Array.isArray(JSON.parse(body))) throw new Error(`GET ${url}/subjects did not answer a JSON array`);
}

async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // connect() only says "Connection is closed."; the error event says why.
  let cause: Error | undefined;
  redis.on('error', (error: Error) => (cause = error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}

export default async function setup(): Promise<void> {
  const env = stackEnv();
  const checks = [
    {
      what: `Kafka at ${env.kafkaBrokers.join(',')} (metadata request)`,
      run: () => checkKafka(env.kafkaBrokers),
    },
    {
      what: `schema registry at ${env.schemaRegistryUrl} (GET /subjects)`,
      run: () => checkRegistry(env.schemaRegistryUrl),
    },
    { what: `Redis at ${env.redisUrl} (PING)`, run: () => checkRedis(env.redisUrl) },
  ];
  const results = await Promise.allSettled(checks.map((check) => check.run()));
  const failures = results.flatMap((result, i) =>
    result.status === 'rejected' ? [`- ${checks[i]!.what}: ${reason(result.reason)}`] : [],
  );
  if (failures.length > 0) {
    throw new Error(
      `The local stack does not answer:\n${failures.join('\n')}\n` +
        'Start it with `npm run stack:up` (`npm run stack:status` shows what runs).',
    );
  }
}
