/**
 * Rules of the membership-change contract that Avro cannot express. A record that breaks one
 * is dead-lettered with the code, never retried.
 */
import { SyncError } from '../errors.js';
import type { MembershipChange } from '../windowing/event.js';
import type { DecodeResult } from './decoder.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_INT32 = 2 ** 31 - 1;

function bad(event: MembershipChange, code: 'EVENT_INVALID' | 'EVENT_NO_IDENTIFIER' | 'EVENT_BAD_ADDRESS_BOOK', message: string): DecodeResult {
  return { ok: false, error: new SyncError(code, message), event };
}

const blank = (s: string | null): boolean => s === null || s.trim() === '';

export function validateEvent(event: MembershipChange): DecodeResult {
  if (!UUID.test(event.eventId)) return bad(event, 'EVENT_INVALID', 'eventId is not a UUID');
  if (blank(event.connectorId)) return bad(event, 'EVENT_INVALID', 'connectorId is empty');
  if (blank(event.source.id)) return bad(event, 'EVENT_INVALID', 'source.id is empty');
  if (blank(event.profile.profileId)) return bad(event, 'EVENT_INVALID', 'profile.profileId is empty');
  const book = event.addressBookId;
  if (!Number.isInteger(book) || book <= 0 || book > MAX_INT32) {
    return bad(event, 'EVENT_BAD_ADDRESS_BOOK', `addressBookId ${book} is not a positive 32-bit integer`);
  }
  const { email, contactId, mobileNumber } = event.profile;
  if (blank(email) && !(contactId !== null && Number.isInteger(contactId) && contactId > 0) && blank(mobileNumber)) {
    return bad(event, 'EVENT_NO_IDENTIFIER', 'profile has no email, contactId or mobileNumber');
  }
  return { ok: true, event };
}
