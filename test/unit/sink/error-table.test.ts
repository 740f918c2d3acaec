import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors.js';
import {
  errorCodeFor,
  errorFromResponse,
  isApiUsageExceeded,
  parseErrorBody,
} from '../../../src/sink/error-table.js';

describe('parseErrorBody', () => {
  it('takes the last token of a v2 message as its code', () => {
    expect(
      parseErrorBody({
        message: 'That name is in use already, please choose another. ERROR_ADDRESSBOOK_DUPLICATE',
      }),
    ).toEqual({
      code: 'ERROR_ADDRESSBOOK_DUPLICATE',
      description: 'That name is in use already, please choose another. ERROR_ADDRESSBOOK_DUPLICATE',
    });
    expect(parseErrorBody({ message: 'Error: ERROR_ADDRESSBOOK_NOT_FOUND' }).code).toBe(
      'ERROR_ADDRESSBOOK_NOT_FOUND',
    );
    expect(parseErrorBody({ Message: 'Contact is suppressed. ERROR_CONTACT_SUPPRESSED.' }).code).toBe(
      'ERROR_CONTACT_SUPPRESSED',
    );
  });

  it('gives no code for a v2 message without one (the 401 text)', () => {
    expect(parseErrorBody({ message: 'Authorization has been denied for this request.' })).toEqual({
      code: undefined,
      description: 'Authorization has been denied for this request.',
    });
  });

  it('reads the v3 envelope, details included (description or error)', () => {
    const body = {
      errorCode: 'contacts:contactNotFound',
      description: 'The following contacts could not be found',
      details: [
        { item: 'x@y.io', description: 'Not found' },
        { item: 'email', error: 'bad' },
      ],
    };
    expect(parseErrorBody(body)).toEqual({
      code: 'contacts:contactNotFound',
      description: 'The following contacts could not be found; Not found; bad',
    });
  });

  it('copes with empty, text and unknown bodies', () => {
    expect(parseErrorBody(undefined, '')).toEqual({ code: undefined, description: undefined });
    expect(parseErrorBody(undefined, 'Bad gateway')).toEqual({ code: undefined, description: 'Bad gateway' });
    expect(parseErrorBody(undefined, 'capped ERROR_APIUSAGE_EXCEEDED').code).toBe('ERROR_APIUSAGE_EXCEEDED');
    expect(parseErrorBody([1, 2])).toEqual({ code: undefined, description: undefined });
    expect(parseErrorBody(undefined, 'x'.repeat(1000)).description?.length).toBeLessThan(310);
  });
});

describe('the status table', () => {
  it.each([
    [401, undefined, 'DD_INVALID_CREDENTIALS'],
    [403, undefined, 'DD_FORBIDDEN'],
    [404, undefined, 'DD_NOT_FOUND'],
    [408, undefined, 'DD_SERVER_ERROR'],
    [429, undefined, 'DD_RATE_LIMITED'],
    [400, undefined, 'DD_BAD_REQUEST'],
    [409, 'contacts:idAlreadyExists', 'DD_BAD_REQUEST'],
    [500, undefined, 'DD_SERVER_ERROR'],
    [501, undefined, 'DD_NOT_IMPLEMENTED'],
    [503, undefined, 'DD_SERVER_ERROR'],
    [302, undefined, 'DD_UNEXPECTED_RESPONSE'],
    [400, 'ERROR_APIUSAGE_EXCEEDED', 'DD_APIUSAGE_EXCEEDED'],
    [400, 'ERROR_ADDRESSBOOK_DUPLICATE', 'DD_ADDRESS_BOOK_DUPLICATE'],
    [404, 'ERROR_ADDRESSBOOK_NOT_FOUND', 'DD_ADDRESS_BOOK_NOT_FOUND'],
    [400, 'ERROR_ADDRESSBOOK_NOT_FOUND', 'DD_ADDRESS_BOOK_NOT_FOUND'],
    [400, 'ERROR_ADDRESSBOOK_NOTWRITABLE', 'DD_ADDRESS_BOOK_NOT_WRITABLE'],
    [400, 'ERROR_ADDRESSBOOK_LIMITEXCEEDED', 'DD_ADDRESS_BOOK_LIMIT'],
    [400, 'ERROR_APIUSER_INVALID', 'DD_INVALID_CREDENTIALS'],
    [429, 'contacts:tooManyActiveImports', 'DD_TOO_MANY_ACTIVE_IMPORTS'],
    [429, 'CONTACTS:TOOMANYACTIVEIMPORTS', 'DD_TOO_MANY_ACTIVE_IMPORTS'],
    [500, 'ERROR_ADDRESSBOOK_NOT_FOUND', 'DD_SERVER_ERROR'],
  ] as const)('%i %s → %s', (status, remote, code) => {
    expect(errorCodeFor(status, remote)).toBe(code);
  });

  it('retries exactly 408, 429 and 5xx except 501 (without a more specific remote code)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), (status) => {
        const retryable = status === 408 || status === 429 || (status >= 500 && status !== 501);
        expect(ERROR_CODES[errorCodeFor(status, undefined)].retryable).toBe(retryable);
      }),
    );
  });

  it('treats the flat-rate cap as retryable and says so', () => {
    const remote = parseErrorBody({
      message:
        'Your account has generated excess API activity and is being temporarily capped. Please contact support. ERROR_APIUSAGE_EXCEEDED',
    });
    expect(isApiUsageExceeded(400, remote)).toBe(true);
    expect(isApiUsageExceeded(500, remote)).toBe(false);
    const err = errorFromResponse('GET /x', 400, remote, 123);
    expect(err).toMatchObject({
      code: 'DD_APIUSAGE_EXCEEDED',
      retryable: true,
      status: 400,
      remoteCode: 'ERROR_APIUSAGE_EXCEEDED',
      retryAtMs: 123,
    });
  });
});
