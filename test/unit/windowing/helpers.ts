import type { Action, MembershipChange, SourceOffset } from '../../../src/windowing/event.js';

export const TOPIC = 'membership';

let seq = 0;

export interface EventSpec {
  readonly connectorId?: string;
  readonly book?: number;
  readonly action?: Action;
  readonly email?: string | null;
  readonly contactId?: number | null;
  readonly mobileNumber?: string | null;
}

export function event(spec: EventSpec = {}): MembershipChange {
  seq++;
  return {
    eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    occurredAt: 1_700_000_000_000 + seq,
    connectorId: spec.connectorId ?? 'c1',
    source: { kind: 'AUDIENCE', id: 'aud-1', stepId: null },
    addressBookId: spec.book ?? 1,
    action: spec.action ?? 'ADD',
    profile: {
      profileId: `p${seq}`,
      email: spec.email === undefined ? 'a@example.com' : spec.email,
      contactId: spec.contactId ?? null,
      mobileNumber: spec.mobileNumber ?? null,
    },
  };
}

export function at(offset: number, partition = 0, topic = TOPIC): SourceOffset {
  return { topic, partition, offset };
}

export const P0 = { topic: TOPIC, partition: 0 };
export const P1 = { topic: TOPIC, partition: 1 };
