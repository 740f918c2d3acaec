/**
 * The simulated DotDigital endpoints (paths relative to a region base URL). Each route names
 * its operation (for the call log) and its rate-limit scope. Authentication, region checks,
 * limits and faults happen in the router before a handler runs.
 */
import type { ServerResponse } from 'node:http';
import { isValidEmail, isValidMobile, type Account } from './account.js';
import { NOT_JSON, MESSAGES, prop, sendJson, v2Error, v3Error } from './http-util.js';
import { flatKey, FLAT_WINDOWS } from './limits.js';
import type { SandboxState } from './state.js';
import type { LimitScope, RegionId } from './types.js';

export interface ApiRequest {
  readonly state: SandboxState;
  readonly account: Account;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** Parsed JSON body, undefined when empty, NOT_JSON when unparsable. */
  readonly body: unknown;
  readonly now: number;
  readonly res: ServerResponse;
  readonly baseUrl: (region: RegionId) => string;
}

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly pattern: RegExp;
  readonly operation: string;
  readonly scope: LimitScope;
  /** account-info answers on every region: it is how clients find theirs. */
  readonly anyRegion?: boolean;
  handle(r: ApiRequest): void;
}

const bookJson = (b: { id: number; name: string; visibility: string; members: Set<number> }) => ({
  id: b.id,
  name: b.name,
  visibility: b.visibility,
  contacts: b.members.size,
});

function intParam(text: string | null, fallback: number, min: number, max: number): number | undefined {
  if (text === null) return fallback;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

function accountInfo(r: ApiRequest): void {
  const a = r.account;
  const flat = r.state.limits.peek(
    flatKey(a.id),
    a.flatLimitPerHour,
    r.state.settings.limitWindowMs * FLAT_WINDOWS,
    r.now,
  );
  const p = (name: string, type: string, value: string) => ({ name, type, value });
  sendJson(r.res, 200, {
    id: a.id,
    properties: [
      p('Name', 'String', a.name),
      p('MainEmail', 'String', `account-${a.id}@apiconnector.com`),
      p('APILocale', 'String', 'en-GB'),
      p('ApiCallsInLastHour', 'Int', String(flat.limit - flat.remaining)),
      p('ApiCallsRemaining', 'Int', String(flat.remaining)),
      p('ApiEndpoint', 'String', `${r.baseUrl(a.region)}/`),
      p('TimeZoneIana', 'String', 'Europe/London'),
    ],
  });
}

function listBooks(r: ApiRequest): void {
  const select = intParam(r.query.get('select'), 1000, 1, 1000);
  const skip = intParam(r.query.get('skip'), 0, 0, Number.MAX_SAFE_INTEGER);
  if (select === undefined || skip === undefined)
    return v2Error(r.res, 400, 'select must be 1 to 1000 and skip 0 or more. ERROR_PARAMETER_INVALID');
  sendJson(r.res, 200, r.account.pageOfBooks(select, skip).map(bookJson));
}

function createBook(r: ApiRequest): void {
  const name = prop(r.body, 'name');
  const rawVisibility = prop(r.body, 'visibility') ?? 'Private';
  const visibility =
    typeof rawVisibility === 'string'
      ? ({ private: 'Private', public: 'Public' } as const)[rawVisibility.toLowerCase()]
      : undefined;
  if (typeof name !== 'string' || visibility === undefined)
    return v2Error(r.res, 400, 'The address book is invalid. ERROR_ADDRESSBOOK_INVALID');
  const book = r.account.createBook(name, visibility, r.state.ids);
  if (book === 'invalid')
    return v2Error(r.res, 400, 'Address book name must be 1 to 128 characters. ERROR_ADDRESSBOOK_INVALID');
  if (book === 'duplicate') return v2Error(r.res, 400, MESSAGES.duplicateBook);
  sendJson(r.res, r.state.settings.addressBookCreateStatus, bookJson(book));
}

function getBook(r: ApiRequest): void {
  const book = r.account.books.get(Number(r.params[0]));
  if (book === undefined) return v2Error(r.res, 404, MESSAGES.bookNotFound);
  sendJson(r.res, 200, bookJson(book));
}

/** v2 members of a book, by id order, paged like every v2 list (ApiContact: id, email, status). */
function listBookContacts(r: ApiRequest): void {
  const book = r.account.books.get(Number(r.params[0]));
  if (book === undefined) return v2Error(r.res, 404, MESSAGES.bookNotFound);
  const select = intParam(r.query.get('select'), 1000, 1, 1000);
  const skip = intParam(r.query.get('skip'), 0, 0, Number.MAX_SAFE_INTEGER);
  if (select === undefined || skip === undefined)
    return v2Error(r.res, 400, 'select must be 1 to 1000 and skip 0 or more. ERROR_PARAMETER_INVALID');
  const page = [...book.members].sort((a, b) => a - b).slice(skip, skip + select);
  sendJson(
    r.res,
    200,
    page.map((id) => ({ id, email: r.account.contacts.get(id)?.email ?? null, status: 'Subscribed' })),
  );
}

function bulkDelete(r: ApiRequest): void {
  const book = r.account.books.get(Number(r.params[0]));
  if (book === undefined) return v2Error(r.res, 404, MESSAGES.bookNotFound);
  if (!book.writable) return v2Error(r.res, 400, MESSAGES.bookNotWritable);
  if (!Array.isArray(r.body) || !r.body.every((id) => Number.isSafeInteger(id)))
    return v2Error(r.res, 400, 'The body must be an array of contact ids. ERROR_PARAMETER_INVALID');
  if (r.body.length === 0)
    return v2Error(r.res, 400, 'No contacts have been specified. ERROR_CONTACTS_ARE_NOT_SPECIFIED');
  const s = r.state;
  const job = s.jobs.startDeletion(
    r.account,
    book.id,
    r.body as number[],
    r.now,
    s.settings.deletionDelayMs,
    s.faults.current.deletionStatus,
  );
  sendJson(r.res, 202, { id: job.id, status: job.status });
}

function getDeletion(r: ApiRequest): void {
  const job = r.state.jobs.deletions.get(r.params[0] ?? '');
  if (job?.account !== r.account) return v2Error(r.res, 404, 'Error: ERROR_RESOURCE_NOT_FOUND');
  sendJson(r.res, 200, { id: job.id, status: job.status });
}

function startImport(r: ApiRequest): void {
  if (r.body === NOT_JSON || typeof r.body !== 'object' || r.body === null || Array.isArray(r.body))
    return v3Error(r.res, 400, 'contacts:badJson', 'The request JSON is badly formed');
  const contacts = (r.body as Record<string, unknown>).contacts;
  if (!Array.isArray(contacts) || contacts.length === 0)
    return v3Error(
      r.res,
      400,
      'contacts:noContactsSpecified',
      'You must specify 1 or more contacts to import',
    );
  const s = r.state;
  if (s.jobs.activeImports(r.account.id) >= s.settings.maxActiveImports) {
    return v3Error(
      r.res,
      429,
      'contacts:tooManyActiveImports',
      'Your import request cannot be accepted as too many imports are being processed for you account. Please wait for an import to complete and then resubmit.',
    );
  }
  const job = s.jobs.startImport(
    r.account,
    contacts,
    r.now,
    s.settings.importDelayMs,
    s.faults.current.importStatus,
  );
  sendJson(r.res, 202, { importId: job.id });
}

function getImport(r: ApiRequest): void {
  const id = r.params[0] ?? '';
  const job = r.state.jobs.imports.get(id);
  if (job?.account !== r.account)
    return v3Error(r.res, 404, 'contacts:importNotFound', `The import request '${id}' could not be found!`);
  sendJson(r.res, 200, { importId: job.id, status: job.status, ...job.report });
}

function getContact(r: ApiRequest): void {
  const identifier = r.params[0] ?? '';
  const value = r.params[1] ?? '';
  const invalid =
    (identifier === 'email' && !isValidEmail(value)) ||
    (identifier === 'mobileNumber' && !isValidMobile(value)) ||
    (identifier === 'contactId' && !/^\d+$/.test(value));
  if (!['email', 'mobileNumber', 'contactId'].includes(identifier) || invalid) {
    return v3Error(
      r.res,
      400,
      'contacts:invalidId',
      `The id value '${value}' is invalid for the identifier '${identifier}'`,
    );
  }
  const contact = r.account.findContact(identifier, value);
  if (contact === undefined) {
    return v3Error(r.res, 404, 'contacts:contactNotFound', 'The following contacts could not be found', [
      { item: value, description: `Not found using the identifier '${identifier}'` },
    ]);
  }
  sendJson(r.res, 200, {
    contactId: contact.id,
    status: 'subscribed',
    identifiers: r.account.identifiersOf(contact),
    channelProperties: { email: { status: 'subscribed', emailType: 'html', optInType: 'single' } },
    lists: r.account.booksOf(contact.id).map((b) => ({ id: b.id, name: b.name, status: 'subscribed' })),
  });
}

export const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    pattern: /^\/v2\/account-info\/?$/,
    operation: 'accountInfo',
    scope: 'accountInfo',
    anyRegion: true,
    handle: accountInfo,
  },
  {
    method: 'GET',
    pattern: /^\/v2\/address-books\/?$/,
    operation: 'listAddressBooks',
    scope: 'addressBooks',
    handle: listBooks,
  },
  {
    method: 'POST',
    pattern: /^\/v2\/address-books\/?$/,
    operation: 'createAddressBook',
    scope: 'addressBooks',
    handle: createBook,
  },
  {
    method: 'GET',
    pattern: /^\/v2\/address-books\/(\d+)\/?$/,
    operation: 'getAddressBook',
    scope: 'addressBooks',
    handle: getBook,
  },
  {
    method: 'GET',
    pattern: /^\/v2\/address-books\/(\d+)\/contacts\/?$/,
    operation: 'listBookContacts',
    scope: 'contactLookup',
    handle: listBookContacts,
  },
  {
    method: 'POST',
    pattern: /^\/v2\/address-books\/(\d+)\/contacts\/delete\/?$/,
    operation: 'bulkDeleteContacts',
    scope: 'contactDelete',
    handle: bulkDelete,
  },
  {
    method: 'GET',
    pattern: /^\/v2\/contacts\/deletion\/([^/]+)\/?$/,
    operation: 'getDeletionStatus',
    scope: 'jobStatus',
    handle: getDeletion,
  },
  {
    method: 'PUT',
    pattern: /^\/contacts\/v3\/import\/?$/,
    operation: 'importContacts',
    scope: 'contactImport',
    handle: startImport,
  },
  {
    method: 'GET',
    pattern: /^\/contacts\/v3\/import\/([^/]+)\/?$/,
    operation: 'getImportStatus',
    scope: 'jobStatus',
    handle: getImport,
  },
  {
    method: 'GET',
    pattern: /^\/contacts\/v3\/([-A-Za-z0-9_]{1,50})\/([^/]+)\/?$/,
    operation: 'getContact',
    scope: 'contactLookup',
    handle: getContact,
  },
];
