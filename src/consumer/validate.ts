/**
 * Rules of the membership-change contract that Avro cannot express. A record that breaks one
 * is dead-lettered with the code, never retried.
 */
import { SyncError } from '../errors.js';
import type { MembershipChange } from '../windowing/event.js';
import type { DecodeResult } from './decoder.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_INT32 = 2 ** 31 - 1;

export function validateEvent(event: MembershipChange): DecodeResult {
  const bad = (code: 'EVENT_INVALID' | 'EVENT_NO_IDENTIFIER' | 'EVENT_BAD_ADDRESS_BOOK', message: string): DecodeResult => ({
    ok: false,
    error: new SyncError(code, message),
    event,
  });
  if (!UUID.test(event.eventId)) return bad('EVENT_INVALID', 'eventId is not a UUID');
  if (event.connectorId.trim() === '') return bad('EVENT_INVALID', 'connectorId is empty');
  if (event.source.id.trim() === '') return bad('EVENT_INVALID', 'source.id is empty');
  if (event.profile.profileId.trim() === '') return bad('EVENT_INVALID', 'profile.profileId is empty');
  if (!Number.isInteger(event.addressBookId) || event.addressBookId <= 0 || event.addressBookId > MAX_INT32) {
    return bad('EVENT_BAD_ADDRESS_BOOK', `addressBookId ${event.addressBookId} is not a positive 32-bit integer`);
  }
  const { email, contactId, mobileNumber } = event.profile;
  const hasEmail = email !== null && email.trim() !== '';
  const hasContactId = contactId !== null && Number.isInteger(contactId) && contactId > 0;
  const hasMobile = mobileNumber !== null && mobileNumber.trim() !== '';
  if (!hasEmail && !hasContactId && !hasMobile) {
    return bad('EVENT_NO_IDENTIFIER', 'profile has no email, contactId or mobileNumber');
  }
  return { ok: true, event };
}
