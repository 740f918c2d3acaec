/**
 * The asynchronous jobs: v3 contact imports (NotFinished → Finished | Failed | ...) and v2 bulk
 * deletions (Started → Completed | Failed). A job takes effect when its delay has passed and
 * the sandbox next settles (every request and inspection does), in the order the jobs finish,
 * so an add and a later remove of one contact apply in that order. Pure: time is passed in.
 */
import {
  isValidEmail,
  isValidMobile,
  normaliseMobile,
  type Account,
  type Contact,
  type IdAllocator,
} from './account.js';
import type { ImportEndStatus } from './types.js';

export interface Failure {
  readonly failureCode: string;
  readonly description: string;
}

export interface ImportReport {
  readonly summary: {
    newContacts: number;
    updatedContacts: number;
    globallySuppressed: number;
    invalidEntries: number;
    duplicateIdentifiers: number;
  };
  readonly created: { contactId: number; identifiers: Record<string, string> }[];
  readonly updated: { contactId: number; identifiers: Record<string, string> }[];
  readonly failures: {
    contactId?: number;
    matchIdentifier: string;
    identifiers: unknown;
    failures: Failure[];
  }[];
}

interface JobBase {
  readonly id: string;
  readonly seq: number;
  readonly account: Account;
  readonly finishAt: number;
}

export interface ImportJob extends JobBase {
  readonly kind: 'import';
  readonly items: readonly unknown[];
  readonly endStatus: ImportEndStatus | undefined;
  status: 'NotFinished' | 'Finished' | ImportEndStatus;
  report: ImportReport | undefined;
}

export interface DeletionJob extends JobBase {
  readonly kind: 'deletion';
  readonly bookId: number;
  readonly contactIds: readonly number[];
  readonly endStatus: 'Failed' | undefined;
  status: 'Started' | 'Completed' | 'Failed';
}

type Job = ImportJob | DeletionJob;
const IDENTIFIERS = ['email', 'mobileNumber', 'contactId'] as const;
const KEEP_FINISHED_MS = 3_600_000;

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Applies one import to the account and reports it like GET /contacts/v3/import/{id}. */
export function processImport(account: Account, items: readonly unknown[], ids: IdAllocator): ImportReport {
  const report: ImportReport = {
    summary: {
      newContacts: 0,
      updatedContacts: 0,
      globallySuppressed: 0,
      invalidEntries: 0,
      duplicateIdentifiers: 0,
    },
    created: [],
    updated: [],
    failures: [],
  };
  const seen = new Set<string>();
  for (const raw of items) {
    const item = record(raw);
    const identifiers = record(item.identifiers);
    const matchIdentifier = typeof item.matchIdentifier === 'string' ? item.matchIdentifier : '';
    const fail = (failureCode: string, description: string, contact?: Contact): void => {
      report.failures.push({
        ...(contact === undefined ? {} : { contactId: contact.id }),
        matchIdentifier,
        identifiers: item.identifiers ?? {},
        failures: [{ failureCode, description }],
      });
    };
    if (!(IDENTIFIERS as readonly string[]).includes(matchIdentifier)) {
      report.summary.invalidEntries++;
      fail('invalidMatchIdentifier', `Invalid match identifier '${matchIdentifier}'`);
      continue;
    }
    const value = identifiers[matchIdentifier];
    const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
    const email = typeof identifiers.email === 'string' ? identifiers.email.trim() : undefined;
    const mobile = typeof identifiers.mobileNumber === 'string' ? identifiers.mobileNumber.trim() : undefined;
    if (text === '') {
      report.summary.invalidEntries++;
      fail('noValidIdentifiers', `No value for the identifier '${matchIdentifier}'`);
      continue;
    }
    if (
      (email !== undefined && !isValidEmail(email)) ||
      (matchIdentifier === 'email' && email === undefined)
    ) {
      report.summary.invalidEntries++;
      fail('invalidEmail', "Invalid value for 'email'");
      continue;
    }
    if (
      (mobile !== undefined && !isValidMobile(mobile)) ||
      (matchIdentifier === 'mobileNumber' && mobile === undefined)
    ) {
      report.summary.invalidEntries++;
      fail('invalidPhoneNumber', "Invalid value for 'mobileNumber'");
      continue;
    }
    const key = `${matchIdentifier}:${matchIdentifier === 'email' ? text.toLowerCase() : matchIdentifier === 'mobileNumber' ? normaliseMobile(text) : text}`;
    if (seen.has(key)) {
      report.summary.duplicateIdentifiers++;
      fail('duplicateIdentifier', `Duplicate identifier detected for ${matchIdentifier} '${text}'`);
      continue;
    }
    seen.add(key);
    const existing = account.findContact(matchIdentifier, text);
    if (matchIdentifier === 'contactId' && existing === undefined) {
      report.summary.invalidEntries++;
      fail('invalidContactId', `No contact with contactId '${text}'`);
      continue;
    }
    const lists = Array.isArray(item.lists) ? item.lists : [];
    const books = lists.map((id) => (typeof id === 'number' ? account.books.get(id) : undefined));
    if (lists.length > 100 || books.some((b) => b?.writable !== true)) {
      report.summary.invalidEntries++;
      fail('invalidAddressBookIds', 'One or more list ids are invalid or cannot be written to', existing);
      continue;
    }
    const suppressedEmail = existing?.email ?? email;
    if (suppressedEmail !== undefined && account.suppressed.has(suppressedEmail.toLowerCase())) {
      report.summary.globallySuppressed++;
      fail('globallySuppressed', 'The contact is suppressed at the account level', existing);
      continue;
    }
    const contact = existing ?? account.createContact(ids, email, mobile);
    account.setIdentifiers(contact, email, mobile);
    for (const book of books) book?.members.add(contact.id);
    const ref = { contactId: contact.id, identifiers: account.identifiersOf(contact) };
    if (existing === undefined) {
      report.summary.newContacts++;
      report.created.push(ref);
    } else {
      report.summary.updatedContacts++;
      report.updated.push(ref);
    }
  }
  return report;
}

export class JobBoard {
  readonly imports = new Map<string, ImportJob>();
  readonly deletions = new Map<string, DeletionJob>();
  private seq = 0;

  constructor(private readonly ids: IdAllocator & { job(): string }) {}

  startImport(
    account: Account,
    items: readonly unknown[],
    now: number,
    delayMs: number,
    endStatus: ImportEndStatus | undefined,
  ): ImportJob {
    const job: ImportJob = {
      kind: 'import',
      id: this.ids.job(),
      seq: this.seq++,
      account,
      finishAt: now + delayMs,
      items,
      endStatus,
      status: 'NotFinished',
      report: undefined,
    };
    this.imports.set(job.id, job);
    return job;
  }

  startDeletion(
    account: Account,
    bookId: number,
    contactIds: readonly number[],
    now: number,
    delayMs: number,
    endStatus: 'Failed' | undefined,
  ): DeletionJob {
    const job: DeletionJob = {
      kind: 'deletion',
      id: this.ids.job(),
      seq: this.seq++,
      account,
      finishAt: now + delayMs,
      bookId,
      contactIds,
      endStatus,
      status: 'Started',
    };
    this.deletions.set(job.id, job);
    return job;
  }

  activeImports(accountId: number): number {
    let n = 0;
    for (const job of this.imports.values())
      if (job.account.id === accountId && job.status === 'NotFinished') n++;
    return n;
  }

  /** Finishes every job due by `now`, in finishing order; forgets jobs finished long ago. */
  settle(now: number): void {
    const due: Job[] = [];
    for (const job of this.imports.values())
      if (job.status === 'NotFinished' && job.finishAt <= now) due.push(job);
    for (const job of this.deletions.values())
      if (job.status === 'Started' && job.finishAt <= now) due.push(job);
    due.sort((a, b) => a.finishAt - b.finishAt || a.seq - b.seq);
    for (const job of due) this.finish(job);
    for (const map of [this.imports, this.deletions] as const) {
      for (const [id, job] of map)
        if (job.status !== 'NotFinished' && job.status !== 'Started' && job.finishAt < now - KEEP_FINISHED_MS)
          map.delete(id);
    }
  }

  clear(): void {
    this.imports.clear();
    this.deletions.clear();
  }

  private finish(job: Job): void {
    if (job.kind === 'import') {
      if (job.endStatus !== undefined) {
        job.status = job.endStatus;
        return;
      }
      job.report = processImport(job.account, job.items, this.ids);
      job.status = 'Finished';
      return;
    }
    if (job.endStatus !== undefined) {
      job.status = job.endStatus;
      return;
    }
    const book = job.account.books.get(job.bookId);
    for (const id of job.contactIds) book?.members.delete(id);
    job.status = 'Completed';
  }
}
