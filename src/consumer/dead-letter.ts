/**
 * The dead-letter topic: records the service could not apply, with a code from errors.ts.
 * Written by an idempotent producer (acks=all), value in the Confluent wire format with
 * schemas/dead-letter.avsc, key = the original key. The caller marks the source offset final
 * only after `publish` resolves, so a crash before the acknowledgement replays the record.
 */
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { SyncError } from '../errors.js';
import { readSchema } from '../schemas.js';
import type { Logger } from '../logger.js';
import type { DeadLetterRecord } from '../windowing/event.js';
import type { SchemaSource } from './schema-source.js';

export interface DeadLetterSink {
  publish(records: readonly DeadLetterRecord[]): Promise<void>;
  close(): Promise<void>;
}

export function readDeadLetterSchema(): object {
  return readSchema('dead-letter');
}

export class KafkaDeadLetterSink implements DeadLetterSink {
  private readonly producer: Producer;
  private schemaId: Promise<number> | undefined;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly schemas: SchemaSource,
    private readonly logger: Logger,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async publish(records: readonly DeadLetterRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.connected ??= this.producer.connect();
    // A failed registration or connection is retried on the next publish, not cached.
    this.schemaId ??= this.schemas.register(`${this.topic}-value`, readDeadLetterSchema()).catch((err: unknown) => {
      this.schemaId = undefined;
      throw err;
    });
    try {
      await this.connected;
    } catch (err) {
      this.connected = undefined;
      throw new SyncError('KAFKA_ERROR', `dead-letter producer cannot connect: ${(err as Error).message}`, { cause: err });
    }
    const id = await this.schemaId;
    const messages = await Promise.all(
      records.map(async (r) => ({
        key: r.key,
        value: await this.schemas.encode(id, r),
        headers: { 'x-error-code': r.errorCode, 'x-source': `${r.topic}/${r.partition}/${r.offset}` },
      })),
    );
    try {
      await this.producer.send({ topic: this.topic, acks: -1, messages });
    } catch (err) {
      throw new SyncError('KAFKA_ERROR', `dead-letter publish failed: ${(err as Error).message}`, { cause: err });
    }
    this.logger.debug({ count: records.length }, 'dead letters published');
  }

  async close(): Promise<void> {
    if (this.connected !== undefined) await this.producer.disconnect();
  }
}
