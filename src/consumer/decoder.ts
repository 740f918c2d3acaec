/**
 * Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro body) → a validated
 * MembershipChange, resolved from the writer schema to the service's reader schema.
 *
 * One resolver per writer schema id, built once: decoding with a `readerSchema` option of the
 * registry client re-parses the schema on every call (~200× slower). A cached id decodes
 * synchronously; only the first record of a new id awaits the registry.
 */
import avro from 'avsc';
import { SyncError, type ErrorCode } from '../errors.js';
import { readSchema } from '../schemas.js';
import type { MembershipChange } from '../windowing/event.js';
import type { SchemaSource } from './schema-source.js';
import { validateEvent } from './validate.js';

export type DecodeResult = { readonly ok: true; readonly event: MembershipChange } | { readonly ok: false; readonly error: SyncError; readonly event: MembershipChange | null };

export function readReaderSchema(): object {
  return readSchema('membership-change');
}

interface Resolved {
  readonly resolver: avro.Resolver | undefined;
}

export interface DecoderOptions {
  readonly source: SchemaSource;
  readonly readerSchema?: object;
  /** Attempts for a schema id the registry says it does not know (it may lag a producer). */
  readonly unknownSchemaAttempts?: number;
  readonly unknownSchemaDelayMs?: number;
  /**
   * After an id was given up on, later records with it fail at once for this long instead of
   * each waiting out the attempts again (which would hold the partition ~1.5 s a record).
   */
  readonly unknownSchemaRememberMs?: number;
  readonly now?: () => number;
}

export class EventDecoder {
  private readonly reader: avro.Type;
  private readonly resolved = new Map<number, Resolved>();
  private readonly failed = new Map<number, SyncError>();
  private readonly source: SchemaSource;
  private readonly attempts: number;
  private readonly delayMs: number;
  private readonly rememberMs: number;
  private readonly now: () => number;
  private readonly unknown = new Map<number, { error: SyncError; untilMs: number }>();

  constructor(options: DecoderOptions) {
    this.source = options.source;
    this.reader = avro.Type.forSchema((options.readerSchema ?? readReaderSchema()) as avro.Schema);
    this.attempts = options.unknownSchemaAttempts ?? 3;
    this.delayMs = options.unknownSchemaDelayMs ?? 500;
    this.rememberMs = options.unknownSchemaRememberMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** Synchronous when the writer schema id is cached; a Promise otherwise. */
  decode(value: Buffer | null): DecodeResult | Promise<DecodeResult> {
    if (value === null || value.length < 5 || value[0] !== 0) {
      return fail('DECODE_UNKNOWN_MAGIC_BYTE', value === null ? 'record has no value (tombstone)' : value.length < 5 ? `value of ${value.length} bytes is too short for the wire format` : `magic byte ${value[0] ?? ''} is not 0`);
    }
    const id = value.readUInt32BE(1);
    const hit = this.resolved.get(id);
    if (hit !== undefined) return this.decodeBody(value, hit);
    const known = this.failed.get(id);
    if (known !== undefined) return { ok: false, error: known, event: null };
    const unknown = this.unknown.get(id);
    if (unknown !== undefined) {
      if (this.now() < unknown.untilMs) return { ok: false, error: unknown.error, event: null };
      this.unknown.delete(id);
    }
    return this.resolve(id).then((r) => (r instanceof SyncError ? { ok: false, error: r, event: null } : this.decodeBody(value, r)));
  }

  private async resolve(id: number): Promise<Resolved | SyncError> {
    for (let attempt = 1; ; attempt++) {
      try {
        const writer = await this.source.writerType(id);
        let resolver: avro.Resolver | undefined;
        if (!this.reader.equals(writer)) {
          try {
            resolver = this.reader.createResolver(writer);
          } catch (err) {
            const error = new SyncError('DECODE_FAILED', `writer schema ${id} cannot be resolved to the reader schema: ${(err as Error).message}`);
            this.failed.set(id, error);
            return error;
          }
        }
        const r: Resolved = { resolver };
        this.resolved.set(id, r);
        return r;
      } catch (err) {
        if (!(err instanceof SyncError) || err.code !== 'DECODE_UNKNOWN_SCHEMA') throw err; // registry down: the caller retries, nothing is dead-lettered
        if (attempt >= this.attempts) {
          // Remembered for a while only: the schema may be registered later.
          if (this.rememberMs > 0) this.unknown.set(id, { error: err, untilMs: this.now() + this.rememberMs });
          return err;
        }
        await new Promise((r) => setTimeout(r, this.delayMs * attempt));
      }
    }
  }

  private decodeBody(value: Buffer, r: Resolved): DecodeResult {
    let decoded: unknown;
    try {
      decoded = this.reader.fromBuffer(value.subarray(5), r.resolver);
    } catch (err) {
      return fail('DECODE_FAILED', `Avro body does not decode: ${(err as Error).message}`);
    }
    return validateEvent(decoded as MembershipChange);
  }
}

function fail(code: ErrorCode, message: string): DecodeResult {
  return { ok: false, error: new SyncError(code, message), event: null };
}
