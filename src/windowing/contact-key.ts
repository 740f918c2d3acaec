import { SyncError } from '../errors.js';
import type { Profile } from './event.js';

/**
 * The key under which a contact is coalesced within one (connector, address book): the email
 * trimmed and lower-cased, else the DotDigital contact id, else the mobile number (trimmed).
 *
 * A plain email (it has an '@' and no ':', which an unquoted address cannot contain) is the key
 * as it is, with no prefix to build in the common case. Every other form carries a prefix with a
 * ':', so the kinds can never collide.
 */
export function contactKey(profile: Profile): string {
  const email = profile.email === null ? '' : profile.email.trim().toLowerCase();
  if (email !== '') return email.includes('@') && !email.includes(':') ? email : `email:${email}`;
  if (profile.contactId !== null && profile.contactId > 0) return `contactId:${profile.contactId}`;
  const mobile = profile.mobileNumber === null ? '' : profile.mobileNumber.trim();
  if (mobile !== '') return `mobile:${mobile}`;
  throw new SyncError('EVENT_NO_IDENTIFIER', 'profile has no email, contactId or mobileNumber');
}
