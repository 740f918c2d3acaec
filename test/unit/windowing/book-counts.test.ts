import { describe, expect, it } from 'vitest';
import { Windowing } from '../../../src/windowing/index.js';
import type { MembershipChange } from '../../../src/windowing/event.js';

const ev = (email: string, book: number, action: 'ADD' | 'REMOVE' = 'ADD', connectorId = 'c'): MembershipChange => ({
  eventId: '00000000-0000-4000-8000-000000000000',
  occurredAt: 0,
  connectorId,
  source: { kind: 'AUDIENCE', id: 'a', stepId: null },
  addressBookId: book,
  action,
  profile: { profileId: 'p', email, contactId: null, mobileNumber: null },
});

describe('Windowing.bookCounts', () => {
  it('counts pending and in-flight contacts per connector and book', () => {
    const w = new Windowing({ windowMs: 1000, maxBatchSize: 2, maxBufferedEntries: 100, resumeBufferedEntries: 10 });
    w.onAssignment([{ topic: 't', partition: 0 }]);
    let offset = 0;
    const add = (e: MembershipChange) => w.add(e, { topic: 't', partition: 0, offset: offset++ }, 0);
    add(ev('a@x', 1));
    add(ev('b@x', 1));
    add(ev('c@x', 1));
    add(ev('a@x', 2, 'REMOVE', 'other'));
    add(ev('a@x', 1, 'ADD', 'other'));
    expect(w.bookCounts().sort((x, y) => x.connectorId.localeCompare(y.connectorId) || x.addressBookId - y.addressBookId)).toEqual([
      { connectorId: 'c', addressBookId: 1, pending: 3, inFlight: 0 },
      { connectorId: 'other', addressBookId: 1, pending: 1, inFlight: 0 },
      { connectorId: 'other', addressBookId: 2, pending: 1, inFlight: 0 },
    ]);
    const [full] = w.takeSendable(0, 1);
    expect(full?.entries).toHaveLength(2);
    expect(w.bookCounts().find((b) => b.connectorId === 'c')).toEqual({ connectorId: 'c', addressBookId: 1, pending: 1, inFlight: 2 });
    w.complete(full!);
    w.takeSendable(5000, 10, true).forEach((b) => w.complete(b));
    expect(w.bookCounts()).toEqual([]);
  });
});
