import { describe, expect, it } from 'vitest';
import { acceptEndpoint, regionalBaseUrl, regionOf } from '../../../src/sink/region.js';

describe('the API endpoint allow-list', () => {
  it.each([
    'https://r1-api.dotdigital.com/',
    'https://r2-api.dotdigital.com',
    'https://r3-api.dotdigital.com//',
    'https://R2-API.dotdigital.com/',
    'https://r12-api.dotdigital.com',
  ])('accepts %s', (url) => {
    expect(acceptEndpoint(url, false)).toMatch(/^https:\/\/r\d+-api\.dotdigital\.com$/);
  });

  it.each([
    'http://r1-api.dotdigital.com',
    'https://r1-api.dotdigital.com.evil.io',
    'https://evil.io/r1-api.dotdigital.com',
    'https://r1-api.dotdigital.com:8443',
    'https://user:pw@r1-api.dotdigital.com',
    'https://r1-api.dotdigital.com/v2',
    'https://r1-api.dotdigital.com/?x=1',
    'https://api.dotdigital.com',
    'https://r0-api.dotdigital.com',
    'https://r1-api.dotmailer.com',
    'not a url',
  ])('rejects %s', (url) => {
    expect(() => acceptEndpoint(url, false)).toThrow(
      expect.objectContaining({ code: 'DD_REGION_REJECTED' }) as Error,
    );
  });

  it('lets the sandbox setting accept any http(s) URL, but nothing else', () => {
    expect(acceptEndpoint('http://127.0.0.1:8090/r2/', true)).toBe('http://127.0.0.1:8090/r2');
    expect(() => acceptEndpoint('file:///etc/passwd', true)).toThrow(
      expect.objectContaining({ code: 'DD_REGION_REJECTED' }) as Error,
    );
  });
});

describe('regions', () => {
  it('names the region of an endpoint', () => {
    expect(regionOf('https://r3-api.dotdigital.com')).toBe('r3');
    expect(regionOf('http://127.0.0.1:8090/r2')).toBe('r2');
    expect(regionOf('http://sandbox:8090')).toBe('custom');
  });

  it('derives a region base URL from the r1 one', () => {
    expect(regionalBaseUrl('https://r1-api.dotdigital.com', 'r3')).toBe('https://r3-api.dotdigital.com');
    expect(regionalBaseUrl('http://127.0.0.1:8090/r1', 'r2')).toBe('http://127.0.0.1:8090/r2');
    expect(() => regionalBaseUrl('http://sandbox:8090', 'r2')).toThrow(
      expect.objectContaining({ code: 'DD_REGION_REJECTED' }) as Error,
    );
  });
});
