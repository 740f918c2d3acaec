/**
 * Address books ("lists"): the paged v2 listing and creation. No get-by-name exists, so the
 * caller matches names on the full list.
 */
import { SyncError } from '../errors.js';
import { callOn, type AccountScope, type ClientContext } from './context.js';
import { intField, stringField } from './json.js';
import type { AddressBook, NewAddressBook } from './types.js';

export const PAGE_SIZE = 1000;

export function toAddressBook(item: unknown): AddressBook | undefined {
  const id = intField(item, 'id');
  const name = stringField(item, 'name');
  if (id === undefined || name === undefined) return undefined;
  return {
    id,
    name,
    visibility: stringField(item, 'visibility') ?? 'Private',
    contacts: intField(item, 'contacts'),
  };
}

/** Pages with select=1000&skip=n until a page comes back empty (the documented end of a v2 list). */
export async function listAddressBooks(ctx: ClientContext, scope: AccountScope): Promise<AddressBook[]> {
  const books: AddressBook[] = [];
  const seen = new Set<number>();
  for (let page = 0; ; page++) {
    const res = await callOn(ctx, scope, {
      operation: 'admin',
      method: 'GET',
      path: `/v2/address-books?select=${PAGE_SIZE}&skip=${page * PAGE_SIZE}`,
      route: '/v2/address-books?select&skip',
    });
    if (!Array.isArray(res.body))
      throw new SyncError('DD_UNEXPECTED_RESPONSE', 'address-book list: the answer is not an array', {
        status: res.status,
      });
    if (res.body.length === 0) return books;
    const before = books.length;
    for (const item of res.body) {
      const book = toAddressBook(item);
      if (book === undefined)
        throw new SyncError('DD_UNEXPECTED_RESPONSE', 'address-book list: an item without id or name', {
          status: res.status,
        });
      if (seen.has(book.id)) continue;
      seen.add(book.id);
      books.push(book);
    }
    // A page of books seen already means `skip` is being ignored: stop rather than loop forever.
    if (books.length === before)
      throw new SyncError(
        'DD_UNEXPECTED_RESPONSE',
        `address-book list: page ${page + 1} repeats earlier books`,
      );
  }
}

export async function createAddressBook(
  ctx: ClientContext,
  scope: AccountScope,
  book: NewAddressBook,
): Promise<AddressBook> {
  const res = await callOn(ctx, scope, {
    operation: 'admin',
    method: 'POST',
    path: '/v2/address-books',
    route: '/v2/address-books',
    body: { name: book.name, visibility: book.visibility ?? 'Private' },
  });
  const created = toAddressBook(res.body);
  if (created === undefined)
    throw new SyncError('DD_UNEXPECTED_RESPONSE', 'address-book create: no id or name in the answer', {
      status: res.status,
    });
  return created;
}
