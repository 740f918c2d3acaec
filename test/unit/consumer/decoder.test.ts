import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { EventDecoder, readReaderSchema } from '../../../src/consumer/decoder.js';
import type { SchemaSource } from '../../../src/consumer/schema-source.js';
import { SyncError } from '../../../src/errors.js';

const reader = readReaderSchema() as avro.schema.RecordType;

/** An older producer: no stepId, no mobileNumber. */
const older = JSON.parse(JSON.stringify(reader)) as avro.schema.RecordType;
{
  const source = older.fields.find((f) => f.name === 'source')!.type as avro.schema.RecordType;
  source.fields = source.fields.filter((f) => f.name !== 'stepId');
  const profile = older.fields.find((f) => f.name === 'profile')!.type as avro.schema.RecordType;
  profile.fields = profile.fields.filter((f) => f.name !== 'mobileNumber');
}
/** A newer producer: an extra field with a default, and a new action symbol unused here. */
const newer = JSON.parse(JSON.stringify(reader)) as avro.schema.RecordType;
newer.fields.push({ name: 'traceId', type: ['null', 'string'], default: null });

function fakeSource(schemas: Record<number, object>): SchemaSource & { calls: number } {
  const s = {
    calls: 0,
    writerType(id: number) {
      s.calls++;
      const schema = schemas[id];
      if (schema === undefined) return Promise.reject(new SyncError('DECODE_UNKNOWN_SCHEMA', `unknown ${id}`));
      return Promise.resolve(avro.Type.forSchema(schema as avro.Schema));
    },
    register: () => Promise.reject(new Error('not used')),
    encode: () => Promise.reject(new Error('not used')),
  };
  return s;
}

function wire(id: number, schema: object, value: unknown): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, avro.Type.forSchema(schema as avro.Schema).toBuffer(value)]);
}

const event = {
  eventId: '3b241101-e2bb-4255-8caf-4136c566a962',
  occurredAt: 1_760_000_000_000,
  connectorId: 'acme',
  source: { kind: 'JOURNEY', id: 'j-1', stepId: 's-2' },
  addressBookId: 42,
  action: 'ADD',
  profile: { profileId: 'p-1', email: 'Jane@Example.com', contactId: null, mobileNumber: '447700900000' },
};

describe('EventDecoder', () => {
  it('decodes the current schema, caching the writer schema per id', async () => {
    const source = fakeSource({ 7: reader });
    const d = new EventDecoder({ source });
    expect(await d.decode(wire(7, reader, event))).toEqual({ ok: true, event });
    const second = d.decode(wire(7, reader, event));
    expect(second).not.toBeInstanceOf(Promise); // cached: synchronous
    expect(source.calls).toBe(1);
  });

  it('resolves an older writer schema, filling defaults', async () => {
    const d = new EventDecoder({ source: fakeSource({ 1: older }) });
    const { stepId: _s, ...src } = event.source;
    const { mobileNumber: _m, ...profile } = event.profile;
    const r = await d.decode(wire(1, older, { ...event, source: src, profile }));
    expect(r).toEqual({ ok: true, event: { ...event, source: { ...src, stepId: null }, profile: { ...profile, mobileNumber: null } } });
  });

  it('resolves a newer writer schema, dropping unknown fields', async () => {
    const d = new EventDecoder({ source: fakeSource({ 9: newer }) });
    const r = await d.decode(wire(9, newer, { ...event, traceId: 't' }));
    expect(r).toEqual({ ok: true, event });
  });

  it.each([
    [null, 'DECODE_UNKNOWN_MAGIC_BYTE'],
    [Buffer.from([0, 0, 0]), 'DECODE_UNKNOWN_MAGIC_BYTE'],
    [Buffer.from([1, 0, 0, 0, 7, 1]), 'DECODE_UNKNOWN_MAGIC_BYTE'],
    [Buffer.from([0, 0, 0, 0, 7, 0xff, 0xff]), 'DECODE_FAILED'],
  ])('rejects %o with %s', async (value, code) => {
    const d = new EventDecoder({ source: fakeSource({ 7: reader }) });
    const r = await d.decode(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });

  it('gives up on an unknown schema id after its attempts, remembers that for a while, then asks again', async () => {
    const source = fakeSource({});
    let now = 0;
    const d = new EventDecoder({ source, unknownSchemaAttempts: 2, unknownSchemaDelayMs: 1, unknownSchemaRememberMs: 1000, now: () => now });
    const r = await d.decode(wire(5, reader, event));
    expect(r.ok || r.error.code).toBe('DECODE_UNKNOWN_SCHEMA');
    expect(source.calls).toBe(2);
    const fast = d.decode(wire(5, reader, event));
    expect(fast).not.toBeInstanceOf(Promise); // remembered: no registry call, no wait
    expect(source.calls).toBe(2);
    now = 1000;
    await d.decode(wire(5, reader, event));
    expect(source.calls).toBe(4);
  });

  it('dead-letters a writer schema that cannot resolve to the reader', async () => {
    const incompatible = { type: 'record', name: 'MembershipChange', namespace: 'com.dotdigitalsync.events', fields: [{ name: 'x', type: 'int' }] };
    const d = new EventDecoder({ source: fakeSource({ 3: incompatible }) });
    const r = await d.decode(wire(3, incompatible, { x: 1 }));
    expect(r.ok || r.error.code).toBe('DECODE_FAILED');
  });

  it('lets a registry outage through to the caller instead of dead-lettering', async () => {
    const source: SchemaSource = {
      writerType: () => Promise.reject(new SyncError('REGISTRY_UNAVAILABLE', 'down')),
      register: () => Promise.reject(new Error('x')),
      encode: () => Promise.reject(new Error('x')),
    };
    await expect(new EventDecoder({ source }).decode(wire(7, reader, event))).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
  });

  it.each([
    [{ eventId: 'nope' }, 'EVENT_INVALID'],
    [{ connectorId: ' ' }, 'EVENT_INVALID'],
    [{ addressBookId: 0 }, 'EVENT_BAD_ADDRESS_BOOK'],
    [{ addressBookId: 2 ** 31 }, 'EVENT_BAD_ADDRESS_BOOK'],
    [{ profile: { profileId: 'p', email: ' ', contactId: null, mobileNumber: null } }, 'EVENT_NO_IDENTIFIER'],
    [{ profile: { profileId: 'p', email: null, contactId: -4, mobileNumber: '' } }, 'EVENT_NO_IDENTIFIER'],
  ])('validates %o → %s, keeping the decoded event', async (patch, code) => {
    const d = new EventDecoder({ source: fakeSource({ 7: reader }) });
    const r = await d.decode(wire(7, reader, { ...event, ...patch }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.event).not.toBeNull();
    }
  });
});
