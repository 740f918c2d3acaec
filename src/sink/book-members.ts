/**
 * Resolving many emails at once by listing the book's members (v2, 1,000 per page) instead of
 * one look-up each. Coalescing makes this common: an enter-then-exit inside one window becomes a
 * remove of a contact DotDigital may never have seen, and each would cost a look-up answering
 * 404. An email not among the book's members needs no call at all: removing a non-member is done.
 * Used only when it is cheaper: the pages (from the book's member count) must be fewer than the
 * look-ups they replace.
 */
import { callOn, type AccountScope, type ClientContext } from './context.js';
import { keyOf } from './identity.js';
import { field, intField, toInt } from './json.js';

const PAGE = 1000;

/** email key (keyOf('email', …)) → contact id of every member; undefined when look-ups are cheaper. */
export async function bookMembersByEmail(
  ctx: ClientContext,
  scope: AccountScope,
  addressBookId: number,
  lookupsSaved: number,
): Promise<Map<string, number> | undefined> {
  const book = await callOn(ctx, scope, {
    operation: 'lookup',
    method: 'GET',
    path: `/v2/address-books/${addressBookId}`,
    route: '/v2/address-books/{id}',
  });
  const count = intField(book.body, 'contacts');
  // Unknown size: not worth the risk of paging a huge book.
  if (count === undefined || Math.ceil(count / PAGE) + 1 >= lookupsSaved) return undefined;
  const members = new Map<string, number>();
  for (let skip = 0; ; skip += PAGE) {
    const res = await callOn(ctx, scope, {
      operation: 'lookup',
      method: 'GET',
      path: `/v2/address-books/${addressBookId}/contacts?withFullData=false&select=${PAGE}&skip=${skip}`,
      route: '/v2/address-books/{id}/contacts',
    });
    const page = Array.isArray(res.body) ? (res.body as unknown[]) : [];
    for (const item of page) {
      const email = field(item, 'email');
      const id = toInt(field(item, 'id'));
      if (typeof email === 'string' && id !== undefined) members.set(keyOf('email', email), id);
    }
    if (page.length < PAGE) return members;
  }
}
