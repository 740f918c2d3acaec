import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { redriveStart } from '../../../src/commands/dlq.js';
import { DeadLetterDecoder, eventEncoder, toInputMessage } from '../../../src/commands/dlq-letters.js';
import { readDeadLetterSchema } from '../../../src/consumer/dead-letter.js';
import { readReaderSchema } from '../../../src/consumer/decoder.js';
import type { SchemaSource } from '../../../src/consumer/schema-source.js';
import { SyncError } from '../../../src/errors.js';
import type { DeadLetterRecord, MembershipChange } from '../../../src/windowing/event.js';

const dlType = avro.Type.forSchema(readDeadLetterSchema() as avro.Schema);
const eventType = avro.Type.forSchema(readReaderSchema() as avro.Schema);

/** A registry in memory: ids 1.. in registration order, encode with the registered type. */
function memorySource(options: { failRegister?: number } = {}) {
  const types = new Map<number, avro.Type>([[1, dlType]]);
  const registered: string[] = [];
  let failures = options.failRegister ?? 0;
  const source: SchemaSource = {
    writerType: (id) => {
      const t = types.get(id);
      return t === undefined ? Promise.reject(new SyncError('DECODE_UNKNOWN_SCHEMA', `no ${id}`)) : Promise.resolve(t);
    },
    register: (subject, schema) => {
      registered.push(subject);
      if (failures-- > 0) return Promise.reject(new SyncError('REGISTRY_UNAVAILABLE', 'down'));
      const id = types.size + 1;
      types.set(id, avro.Type.forSchema(schema as avro.Schema));
      return Promise.resolve(id);
    },
    encode: (id, value) => Promise.resolve(wire(id, types.get(id)!.toBuffer(value))),
  };
  return { source, registered, types };
}

const wire = (id: number, body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0, id]), body]);

const event: MembershipChange = {
  eventId: '0b7e6c1e-3f0a-4a43-9a0e-5f3b9d1f2c11',
  occurredAt: Date.UTC(2026, 10, 20),
  connectorId: 'demo',
  source: { kind: 'JOURNEY', id: 'j-1', stepId: 's-2' },
  addressBookId: 17,
  action: 'REMOVE',
  profile: { profileId: 'p-1', email: 'a@example.com', contactId: 99, mobileNumber: null },
};

const letter = (p: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
  topic: 'in',
  partition: 2,
  offset: 41,
  key: Buffer.from('demo'),
  value: null,
  event,
  errorCode: 'DD_CONTACT_REJECTED',
  errorMessage: 'suppressed',
  attempts: 3,
  failedAt: Date.UTC(2026, 10, 21),
  connectorId: 'demo',
  ...p,
});
const at = { topic: 'dlq', partition: 1, offset: 5 };

describe('DeadLetterDecoder', () => {
  it('decodes letters in the wire format, bytes and event included', async () => {
    const { source } = memorySource();
    const original = letter({ value: Buffer.from([1, 2, 3]) });
    const decoded = await new DeadLetterDecoder(source).decode(wire(1, dlType.toBuffer(original)));
    expect(decoded).toEqual(original);
  });

  it('says what is wrong with a value that is not a letter', async () => {
    const d = new DeadLetterDecoder(memorySource().source);
    await expect(d.decode(Buffer.from('plain'))).rejects.toMatchObject({ code: 'DECODE_UNKNOWN_MAGIC_BYTE' });
    await expect(d.decode(null)).rejects.toMatchObject({ code: 'DECODE_UNKNOWN_MAGIC_BYTE' });
    await expect(d.decode(wire(9, Buffer.from([1])))).rejects.toMatchObject({ code: 'DECODE_UNKNOWN_SCHEMA' });
    await expect(d.decode(wire(1, Buffer.from([0xff])))).rejects.toMatchObject({ code: 'DECODE_FAILED' });
  });
});

describe('toInputMessage', () => {
  const encodeNever = () => Promise.reject(new Error('must not encode'));

  it('re-publishes the original bytes and key when the letter has them', async () => {
    const value = Buffer.from([0, 0, 0, 0, 7, 1, 2]);
    const m = await toInputMessage(letter({ value, key: Buffer.from('acme') }), at, encodeNever);
    expect(m.value).toBe(value);
    expect(m.key).toEqual(Buffer.from('acme'));
    expect(m.headers).toEqual({ 'x-redrive-source': 'in/2/41', 'x-redrive-letter': 'dlq/1/5', 'x-redrive-code': 'DD_CONTACT_REJECTED' });
  });

  it('else encodes the event, keyed by its connectorId', async () => {
    const { source, registered, types } = memorySource();
    const m = await toInputMessage(letter({ key: null }), at, eventEncoder(source, 'membership-changes'));
    expect(m.key).toBe('demo');
    expect(registered).toEqual(['membership-changes-value']);
    expect(types.get(m.value.readUInt32BE(1))!.fromBuffer(m.value.subarray(5))).toEqual(event);
    expect(eventType.isValid(event)).toBe(true);
  });

  it('refuses a letter with neither', async () => {
    await expect(toInputMessage(letter({ event: null }), at, encodeNever)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('eventEncoder', () => {
  it('registers once, and again after a failed registration', async () => {
    const { source, registered } = memorySource({ failRegister: 1 });
    const encode = eventEncoder(source, 't');
    await expect(encode(event)).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    await encode(event);
    await encode(event);
    expect(registered).toEqual(['t-value', 't-value']);
  });
});

describe('redriveStart', () => {
  const offsets = [
    { partition: 0, committed: -1, low: 4, high: 10 },
    { partition: 1, committed: 7, low: 0, high: 9 },
    { partition: 2, committed: 2, low: 5, high: 8 },
  ];

  it('starts at the group position, within the retained range; or at the beginning', () => {
    expect([...redriveStart(offsets, false)]).toEqual([[0, 4], [1, 7], [2, 5]]);
    expect([...redriveStart(offsets, true)]).toEqual([[0, 4], [1, 0], [2, 5]]);
  });
});
