/**
 * The membership-change event as the service sees it after decoding with
 * schemas/membership-change.avsc (test/unit/schemas.test.ts keeps the two in step).
 * Avro `long` decodes to a JS number; `timestamp-millis` stays epoch milliseconds.
 */
export type SourceKind = 'AUDIENCE' | 'JOURNEY';
export type Action = 'ADD' | 'REMOVE';

export interface EventSource {
  readonly kind: SourceKind;
  readonly id: string;
  readonly stepId: string | null;
}

export interface Profile {
  readonly profileId: string;
  readonly email: string | null;
  readonly contactId: number | null;
  readonly mobileNumber: string | null;
}

export interface MembershipChange {
  readonly eventId: string;
  readonly occurredAt: number;
  readonly connectorId: string;
  readonly source: EventSource;
  readonly addressBookId: number;
  readonly action: Action;
  readonly profile: Profile;
}

/** Where a record came from in Kafka. */
export interface SourceOffset {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; kept as bigint-safe decimal strings by kafkajs, numbers here. */
  readonly offset: number;
}

/** The dead-letter record of schemas/dead-letter.avsc. */
export interface DeadLetterRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly event: MembershipChange | null;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly attempts: number;
  readonly failedAt: number;
  readonly connectorId: string | null;
}
