/**
 * How an event's profile is matched in DotDigital: email, else mobile number, else contact id.
 * Keys compare emails ignoring case and mobile numbers by their digits, so that answers from
 * DotDigital (which may normalise) map back to the events that asked.
 */
import type { Profile } from '../windowing/event.js';
import { field, toInt } from './json.js';

export type MatchIdentifier = 'email' | 'mobileNumber' | 'contactId';

export interface Match {
  readonly identifier: MatchIdentifier;
  readonly value: string | number;
}

export function matchOf(profile: Profile): Match | undefined {
  const email = profile.email?.trim();
  if (email !== undefined && email !== '') return { identifier: 'email', value: email };
  const mobile = profile.mobileNumber?.trim();
  if (mobile !== undefined && mobile !== '') return { identifier: 'mobileNumber', value: mobile };
  if (profile.contactId !== null) return { identifier: 'contactId', value: profile.contactId };
  return undefined;
}

export function keyOf(identifier: MatchIdentifier, value: string | number): string {
  switch (identifier) {
    case 'email':
      return `email:${String(value).trim().toLowerCase()}`;
    case 'mobileNumber':
      return `mobileNumber:${String(value).replace(/\D/g, '')}`;
    case 'contactId':
      return `contactId:${String(value).trim()}`;
  }
}

/** Every key an answer's `identifiers` object (plus its contactId) can be matched by. */
export function keysOfAnswer(item: unknown): string[] {
  const identifiers = field(item, 'identifiers');
  const keys: string[] = [];
  const email = field(identifiers, 'email');
  if (typeof email === 'string') keys.push(keyOf('email', email));
  const mobile = field(identifiers, 'mobileNumber');
  if (typeof mobile === 'string' || typeof mobile === 'number') keys.push(keyOf('mobileNumber', mobile));
  const contactId = toInt(field(identifiers, 'contactId')) ?? toInt(field(item, 'contactId'));
  if (contactId !== undefined) keys.push(keyOf('contactId', contactId));
  return keys;
}
