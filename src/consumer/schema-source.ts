/**
 * The schema registry behind an interface we own. The one real adapter uses
 * @kafkajs/confluent-schema-registry (Confluent API, e.g. Apicurio's /apis/ccompat/v7).
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import { SyncError } from '../errors.js';

export interface SchemaSource {
  /** The writer schema of a registry id, as an avsc Type. Throws DECODE_UNKNOWN_SCHEMA or REGISTRY_UNAVAILABLE. */
  writerType(id: number): Promise<avro.Type>;
  /** Registers (or finds) a schema under a subject; returns its id. */
  register(subject: string, schema: object): Promise<number>;
  /** Encodes a value in the Confluent wire format with the schema of `id`. */
  encode(id: number, value: unknown): Promise<Buffer>;
}

export interface RegistryOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

function isNotFound(err: unknown): boolean {
  const e = err as { status?: number; message?: string } | null;
  return e?.status === 404 || /\b404\b|40403|not found/i.test(e?.message ?? '');
}

export function createRegistrySchemaSource(options: RegistryOptions): SchemaSource {
  const registry = new SchemaRegistry({
    host: options.url,
    ...(options.username !== undefined && options.password !== undefined
      ? { auth: { username: options.username, password: options.password } }
      : {}),
    retry: { retries: 3, initialRetryTimeInSecs: 0.2, maxRetryTimeInSecs: 2 },
  });
  // The client's messages may echo the URL; never pass the password into our errors.
  const clean = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\/\/[^@/]*@/g, '//');
  return {
    async writerType(id) {
      try {
        const schema = await registry.getSchema(id);
        return schema as unknown as avro.Type;
      } catch (err) {
        if (isNotFound(err)) throw new SyncError('DECODE_UNKNOWN_SCHEMA', `schema id ${id} is unknown to the registry`);
        throw new SyncError('REGISTRY_UNAVAILABLE', `registry: ${clean(err)}`);
      }
    },
    async register(subject, schema) {
      try {
        const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
        return id;
      } catch (err) {
        throw new SyncError('REGISTRY_UNAVAILABLE', `registry: cannot register ${subject}: ${clean(err)}`);
      }
    },
    async encode(id, value) {
      try {
        return await registry.encode(id, value);
      } catch (err) {
        throw new SyncError('INTERNAL', `cannot encode with schema ${id}: ${clean(err)}`);
      }
    },
  };
}
