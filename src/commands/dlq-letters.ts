/**
 * Dead-letter records in and input records out: decodes a dead letter (Confluent wire format,
 * resolved to schemas/dead-letter.avsc) and builds the input-topic message that re-publishes it.
 */
import avro from 'avsc';
import { SyncError } from '../errors.js';
import { readDeadLetterSchema } from '../consumer/dead-letter.js';
import { readReaderSchema } from '../consumer/decoder.js';
import type { SchemaSource } from '../consumer/schema-source.js';
import type { DeadLetterRecord, MembershipChange } from '../windowing/event.js';

export class DeadLetterDecoder {
  private readonly reader = avro.Type.forSchema(readDeadLetterSchema() as avro.Schema);
  private readonly resolvers = new Map<number, avro.Resolver | undefined>();

  constructor(private readonly source: SchemaSource) {}

  /** Throws DECODE_* for a value that is not a dead letter; REGISTRY_UNAVAILABLE when the registry is down. */
  async decode(value: Buffer | null): Promise<DeadLetterRecord> {
    if (value === null || value.length < 5 || value[0] !== 0) throw new SyncError('DECODE_UNKNOWN_MAGIC_BYTE', 'not in the Confluent wire format');
    const id = value.readUInt32BE(1);
    if (!this.resolvers.has(id)) {
      const writer = await this.source.writerType(id);
      try {
        this.resolvers.set(id, this.reader.equals(writer) ? undefined : this.reader.createResolver(writer));
      } catch (err) {
        throw new SyncError('DECODE_FAILED', `writer schema ${id} does not resolve to dead-letter.avsc: ${(err as Error).message}`);
      }
    }
    try {
      return this.reader.fromBuffer(value.subarray(5), this.resolvers.get(id)) as DeadLetterRecord;
    } catch (err) {
      throw new SyncError('DECODE_FAILED', `dead letter does not decode: ${(err as Error).message}`);
    }
  }
}

export interface InputMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** Where a re-published record came from: the original position and the dead letter's. */
export function redriveHeaders(letter: DeadLetterRecord, at: { topic: string; partition: number; offset: number }): Record<string, string> {
  return {
    'x-redrive-source': `${letter.topic}/${letter.partition}/${letter.offset}`,
    'x-redrive-letter': `${at.topic}/${at.partition}/${at.offset}`,
    'x-redrive-code': letter.errorCode,
  };
}

/**
 * The original bytes and key when the letter has them (rejected before or while decoding: the
 * record goes back exactly as it was); else the decoded event (rejected by DotDigital), encoded
 * again with the membership-change schema, key = its connectorId as the contract wants.
 */
export async function toInputMessage(letter: DeadLetterRecord, at: { topic: string; partition: number; offset: number }, encodeEvent: (event: MembershipChange) => Promise<Buffer>): Promise<InputMessage> {
  const headers = redriveHeaders(letter, at);
  if (letter.value !== null) return { key: letter.key, value: letter.value, headers };
  if (letter.event !== null) return { key: letter.event.connectorId, value: await encodeEvent(letter.event), headers };
  throw new SyncError('INTERNAL', `dead letter ${at.topic}/${at.partition}/${at.offset} has neither value nor event`);
}

/** Encodes events with the reader schema, registered (or found) once under `<topic>-value`. */
export function eventEncoder(source: SchemaSource, topic: string): (event: MembershipChange) => Promise<Buffer> {
  let id: Promise<number> | undefined;
  return async (event) => {
    id ??= source.register(`${topic}-value`, readReaderSchema()).catch((err: unknown) => {
      id = undefined;
      throw err;
    });
    return source.encode(await id, event);
  };
}
