import { describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/errors.js';
import { contactKey } from '../../../src/windowing/contact-key.js';
import type { Profile } from '../../../src/windowing/event.js';

const profile = (p: Partial<Profile>): Profile => ({
  profileId: 'p',
  email: null,
  contactId: null,
  mobileNumber: null,
  ...p,
});

describe('contactKey', () => {
  it('uses the email, trimmed and lower-cased, before anything else', () => {
    expect(contactKey(profile({ email: '  Ann@Example.COM ', contactId: 7, mobileNumber: '+441' }))).toBe(
      'ann@example.com',
    );
  });

  it('falls back to the contact id, then the mobile number', () => {
    expect(contactKey(profile({ email: '   ', contactId: 42 }))).toBe('contactId:42');
    expect(contactKey(profile({ contactId: 0, mobileNumber: ' +447700900123 ' }))).toBe(
      'mobile:+447700900123',
    );
  });

  it('never lets one kind of identifier collide with another', () => {
    const keys = [
      contactKey(profile({ email: 'contactId:42' })),
      contactKey(profile({ contactId: 42 })),
      contactKey(profile({ email: 'mobile:+1@x' })),
      contactKey(profile({ mobileNumber: '+1@x' })),
      contactKey(profile({ email: 'no-at-sign' })),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys[0]).toBe('email:contactid:42');
  });

  it('throws EVENT_NO_IDENTIFIER when there is nothing to match on', () => {
    expect(() => contactKey(profile({ email: ' ', mobileNumber: '' }))).toThrow(SyncError);
    expect(() => contactKey(profile({}))).toThrow(expect.objectContaining({ code: 'EVENT_NO_IDENTIFIER' }));
  });
});
