/**
 * The kafkajs adapter: builds the client from config (TLS, SASL) and routes kafkajs' own
 * logging into pino at the right level. The rest of the service sees kafkajs only through
 * src/consumer (group member, dead-letter producer, replay admin).
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Config } from '../config.js';
import { ConfigError, SyncError } from '../errors.js';
import type { Logger } from '../logger.js';

export type KafkaSettings = Pick<Config['kafka'], 'brokers' | 'clientId' | 'ssl' | 'sslCaFile' | 'sasl'>;

export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  const config: KafkaConfig = {
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      const fields = { namespace: entry.namespace, ...rest };
      // Bounded retries are deliberate: the dead-letter queue retries a failed publish itself.
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      if (entry.level <= logLevel.ERROR) logger.error(fields, message);
      else if (entry.level === logLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    },
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 30_000 },
  };
  if (settings.ssl) config.ssl = settings.sslCaFile === undefined ? true : { ca: [readFileSync(settings.sslCaFile, 'utf8')] };
  if (settings.sasl !== undefined) {
    const { mechanism, username, password } = settings.sasl;
    config.sasl = { mechanism, username, password } as SASLOptions;
  }
  return new Kafka(config);
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export const tpKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/** Throws a ConfigError (exit 3) naming the topics that do not exist; asked first, so kafkajs logs no metadata errors. */
export async function requireTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length > 0) throw new ConfigError(missing.map((t) => `topic ${t} does not exist (the service never creates topics)`), 'Kafka topics');
  } catch (err) {
    if (err instanceof SyncError) throw err;
    throw new SyncError('KAFKA_ERROR', `cannot reach Kafka: ${(err as Error).message}`, { cause: err });
  } finally {
    await admin.disconnect();
  }
}
