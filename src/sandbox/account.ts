/**
 * One simulated DotDigital account: API users, address books, contacts and suppressions.
 * Pure data and rules, no I/O; ids come from the sandbox-wide allocator (DotDigital ids are
 * global integers).
 */
import { DEFAULT_LIMITS, type AccountSeed, type LimitScope, type RateMode, type RegionId } from './types.js';

export interface Book {
  readonly id: number;
  name: string;
  visibility: 'Private' | 'Public';
  readonly writable: boolean;
  readonly members: Set<number>;
}

export interface Contact {
  readonly id: number;
  email: string | undefined;
  mobileNumber: string | undefined;
}

export interface IdAllocator {
  book(): number;
  contact(): number;
}

/** Names DotDigital refuses for a new book (answered as ERROR_ADDRESSBOOK_DUPLICATE). */
export const RESERVED_BOOK_NAMES = ['test', 'all contacts'];
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s.]+$/;
const MOBILE = /^\+?\d{7,15}$/;

export const isValidEmail = (email: string): boolean => EMAIL.test(email) && email.length <= 254;
export const isValidMobile = (mobile: string): boolean => MOBILE.test(mobile);
export const normaliseMobile = (mobile: string): string => mobile.replace(/^\+/, '');

export class Account {
  readonly id: number;
  readonly region: RegionId;
  readonly name: string;
  readonly users = new Map<string, string>();
  readonly books = new Map<number, Book>();
  readonly contacts = new Map<number, Contact>();
  readonly byEmail = new Map<string, number>();
  readonly byMobile = new Map<string, number>();
  readonly suppressed = new Set<string>();
  readonly limits: Record<LimitScope, number>;
  rateMode: RateMode;
  flatLimitPerHour: number;

  constructor(
    seed: AccountSeed,
    ids: IdAllocator,
    defaults: { limits: Readonly<Record<LimitScope, number>>; rateMode: RateMode; flatLimitPerHour: number },
  ) {
    this.id = seed.id;
    this.region = seed.region;
    this.name = seed.name ?? `Account ${seed.id}`;
    for (const u of seed.apiUsers) this.users.set(u.username, u.password);
    this.limits = { ...DEFAULT_LIMITS, ...defaults.limits, ...seed.limits };
    this.rateMode = seed.rateMode ?? defaults.rateMode;
    this.flatLimitPerHour = seed.flatLimitPerHour ?? defaults.flatLimitPerHour;
    for (const e of seed.suppressedEmails ?? []) this.suppressed.add(e.toLowerCase());
    // Every DotDigital account has a "Test" book that the API cannot write to.
    const test = ids.book();
    this.books.set(test, {
      id: test,
      name: 'Test',
      visibility: 'Private',
      writable: false,
      members: new Set(),
    });
    for (const b of seed.addressBooks ?? []) {
      const created = this.createBook(b.name, b.visibility ?? 'Private', ids);
      if (typeof created === 'string')
        throw new Error(`account ${seed.id}: address book "${b.name}": ${created}`);
    }
  }

  /** The book, or why it cannot be created. */
  createBook(
    name: string,
    visibility: 'Private' | 'Public',
    ids: IdAllocator,
  ): Book | 'invalid' | 'duplicate' {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 128) return 'invalid';
    const lower = trimmed.toLowerCase();
    if (
      RESERVED_BOOK_NAMES.includes(lower) ||
      [...this.books.values()].some((b) => b.name.toLowerCase() === lower)
    )
      return 'duplicate';
    const book: Book = { id: ids.book(), name: trimmed, visibility, writable: true, members: new Set() };
    this.books.set(book.id, book);
    return book;
  }

  /** Books in id order, as v2 pages them. */
  pageOfBooks(select: number, skip: number): Book[] {
    return [...this.books.values()].sort((a, b) => a.id - b.id).slice(skip, skip + select);
  }

  findContact(identifier: string, value: string): Contact | undefined {
    let id: number | undefined;
    if (identifier === 'email') id = this.byEmail.get(value.toLowerCase());
    else if (identifier === 'mobileNumber') id = this.byMobile.get(normaliseMobile(value));
    else if (identifier === 'contactId' && /^\d+$/.test(value)) id = Number(value);
    return id === undefined ? undefined : this.contacts.get(id);
  }

  createContact(ids: IdAllocator, email: string | undefined, mobileNumber: string | undefined): Contact {
    const contact: Contact = { id: ids.contact(), email: undefined, mobileNumber: undefined };
    this.contacts.set(contact.id, contact);
    this.setIdentifiers(contact, email, mobileNumber);
    return contact;
  }

  /** Adds identifiers the contact lacks, unless another contact holds them already. */
  setIdentifiers(contact: Contact, email: string | undefined, mobileNumber: string | undefined): void {
    if (email !== undefined && contact.email === undefined && !this.byEmail.has(email.toLowerCase())) {
      contact.email = email;
      this.byEmail.set(email.toLowerCase(), contact.id);
    }
    const mobile = mobileNumber === undefined ? undefined : normaliseMobile(mobileNumber);
    if (mobile !== undefined && contact.mobileNumber === undefined && !this.byMobile.has(mobile)) {
      contact.mobileNumber = mobile;
      this.byMobile.set(mobile, contact.id);
    }
  }

  identifiersOf(contact: Contact): Record<string, string> {
    return {
      ...(contact.email === undefined ? {} : { email: contact.email }),
      ...(contact.mobileNumber === undefined ? {} : { mobileNumber: contact.mobileNumber }),
    };
  }

  booksOf(contactId: number): Book[] {
    return [...this.books.values()].filter((b) => b.members.has(contactId));
  }
}
