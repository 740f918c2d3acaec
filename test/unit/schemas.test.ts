/**
 * Keeps the Avro contract (schemas/*.avsc) and the TypeScript event types (src/windowing/event.ts)
 * in step: the key lists below must name every property of the types (the compiler checks that) and
 * every field of the schemas (the tests check that), and typed values must round-trip unchanged.
 */
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import type {
  Action,
  DeadLetterRecord,
  EventSource,
  MembershipChange,
  Profile,
  SourceKind,
} from '../../src/windowing/event.js';

interface FieldJson {
  readonly name: string;
  readonly type: unknown;
}
interface RecordJson {
  readonly type: 'record';
  readonly name: string;
  readonly fields: readonly FieldJson[];
}

const readSchema = (file: string): RecordJson =>
  JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')) as RecordJson;

const membershipJson = readSchema('membership-change.avsc');
const deadLetterJson = readSchema('dead-letter.avsc');
const membershipType = avro.Type.forSchema(membershipJson as avro.Schema);
const deadLetterType = avro.Type.forSchema(deadLetterJson as avro.Schema);

// Record<K, true> literals: the compiler rejects a missing or an extra key, so each list is exactly
// the type's keys.
const membershipKeys: Record<keyof MembershipChange, true> = {
  eventId: true,
  occurredAt: true,
  connectorId: true,
  source: true,
  addressBookId: true,
  action: true,
  profile: true,
};
const sourceKeys: Record<keyof EventSource, true> = { kind: true, id: true, stepId: true };
const profileKeys: Record<keyof Profile, true> = {
  profileId: true,
  email: true,
  contactId: true,
  mobileNumber: true,
};
const deadLetterKeys: Record<keyof DeadLetterRecord, true> = {
  topic: true,
  partition: true,
  offset: true,
  key: true,
  value: true,
  event: true,
  errorCode: true,
  errorMessage: true,
  attempts: true,
  failedAt: true,
  connectorId: true,
};
const sourceKinds: Record<SourceKind, true> = { AUDIENCE: true, JOURNEY: true };
const actions: Record<Action, true> = { ADD: true, REMOVE: true };

const keysOf = (keys: object): string[] => Object.keys(keys).sort();

/** The record or enum type named `name`, wherever it is nested (directly or in a union). */
function namedType(parent: RecordJson, field: string): Record<string, unknown> {
  const type = parent.fields.find((f) => f.name === field)?.type;
  const candidates = Array.isArray(type) ? (type as unknown[]) : [type];
  const found = candidates.find((t): t is Record<string, unknown> => typeof t === 'object' && t !== null);
  if (found === undefined) throw new Error(`field ${field} of ${parent.name} has no named type`);
  return found;
}

const fieldNames = (record: RecordJson | Record<string, unknown>): string[] =>
  (record as RecordJson).fields.map((f) => f.name).sort();

const fullEvent = {
  eventId: '0b7a6d8e-2f4c-4d39-9a57-3c2b1e0f9a11',
  occurredAt: 1_767_225_600_123,
  connectorId: 'connector-1',
  source: { kind: 'JOURNEY', id: 'journey-7', stepId: 'step-3' },
  addressBookId: 2 ** 40 + 17,
  action: 'REMOVE',
  profile: {
    profileId: 'profile-é',
    email: 'a@example.com',
    contactId: 2 ** 35 + 1,
    mobileNumber: '+447700900123',
  },
} satisfies MembershipChange;

const sparseEvent = {
  eventId: '5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  occurredAt: 0,
  connectorId: 'c',
  source: { kind: 'AUDIENCE', id: 'audience-1', stepId: null },
  addressBookId: 1,
  action: 'ADD',
  profile: { profileId: 'p', email: null, contactId: 42, mobileNumber: null },
} satisfies MembershipChange;

describe('schemas/*.avsc', () => {
  it('parse as Avro records', () => {
    expect(membershipType.typeName).toBe('record');
    expect(deadLetterType.typeName).toBe('record');
  });

  it('carry in dead-letter.avsc an `event` that is exactly membership-change.avsc', () => {
    const event = deadLetterJson.fields.find((f) => f.name === 'event');
    expect(event?.type).toEqual(['null', membershipJson]);
  });

  it('name the same fields as the TypeScript types', () => {
    expect(fieldNames(membershipJson)).toEqual(keysOf(membershipKeys));
    expect(fieldNames(namedType(membershipJson, 'source'))).toEqual(keysOf(sourceKeys));
    expect(fieldNames(namedType(membershipJson, 'profile'))).toEqual(keysOf(profileKeys));
    expect(fieldNames(deadLetterJson)).toEqual(keysOf(deadLetterKeys));
  });

  it('name the same enum symbols as the TypeScript unions', () => {
    const source = namedType(membershipJson, 'source') as unknown as RecordJson;
    expect([...(namedType(source, 'kind').symbols as string[])].sort()).toEqual(keysOf(sourceKinds));
    expect([...(namedType(membershipJson, 'action').symbols as string[])].sort()).toEqual(keysOf(actions));
  });

  it.each([
    ['every optional field set', fullEvent],
    ['optional fields null', sparseEvent],
  ])('round-trip a MembershipChange with %s', (_label, event: MembershipChange) => {
    expect(membershipType.isValid(event)).toBe(true);
    const decoded: unknown = membershipType.fromBuffer(membershipType.toBuffer(event));
    expect(decoded).toEqual(event);
  });

  it('round-trip a DeadLetterRecord with and without its decoded event', () => {
    const withEvent = {
      topic: 'membership-changes',
      partition: 2,
      offset: 2 ** 33,
      key: Buffer.from('connector-1'),
      value: Buffer.from([0, 0, 0, 0, 1, 2, 3]),
      event: fullEvent,
      errorCode: 'DD_CONTACT_REJECTED',
      errorMessage: 'email address is invalid',
      attempts: 3,
      failedAt: 1_767_225_600_999,
      connectorId: 'connector-1',
    } satisfies DeadLetterRecord;
    const undecodable = {
      ...withEvent,
      key: null,
      value: Buffer.from([1, 2]),
      event: null,
      errorCode: 'DECODE_UNKNOWN_MAGIC_BYTE',
      connectorId: null,
    } satisfies DeadLetterRecord;
    for (const record of [withEvent, undecodable]) {
      expect(deadLetterType.isValid(record)).toBe(true);
      expect(deadLetterType.fromBuffer(deadLetterType.toBuffer(record))).toEqual(record);
    }
  });

  it('reject an event that breaks the schema', () => {
    expect(membershipType.isValid({ ...fullEvent, action: 'DELETE' })).toBe(false);
    expect(membershipType.isValid({ ...fullEvent, addressBookId: '12' })).toBe(false);
  });
});
