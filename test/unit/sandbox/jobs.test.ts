import { describe, expect, it } from 'vitest';
import { Account, type IdAllocator } from '../../../src/sandbox/account.js';
import { JobBoard, processImport } from '../../../src/sandbox/jobs.js';
import { DEFAULT_LIMITS } from '../../../src/sandbox/types.js';

function allocator(): IdAllocator & { job(): string } {
  let book = 1;
  let contact = 1000;
  let job = 0;
  return { book: () => book++, contact: () => contact++, job: () => `job-${++job}` };
}

function account(ids = allocator()): { account: Account; ids: ReturnType<typeof allocator>; book: number } {
  const a = new Account(
    {
      id: 7,
      region: 'r1',
      apiUsers: [{ username: 'u', password: 'p' }],
      addressBooks: [{ name: 'Newsletter' }],
      suppressedEmails: ['Blocked@example.com'],
    },
    ids,
    { limits: DEFAULT_LIMITS, rateMode: 'tiered', flatLimitPerHour: 2000 },
  );
  const book = [...a.books.values()].find((b) => b.name === 'Newsletter')!.id;
  return { account: a, ids, book };
}

const item = (matchIdentifier: string, identifiers: Record<string, unknown>, lists: unknown[]) => ({
  matchIdentifier,
  identifiers,
  lists,
});

describe('processImport', () => {
  it('creates, updates and rejects per contact, and adds the good ones to the lists', () => {
    const { account: a, ids, book } = account();
    const first = processImport(a, [item('email', { email: 'a@example.com' }, [book])], ids);
    expect(first.created).toEqual([{ contactId: 1000, identifiers: { email: 'a@example.com' } }]);

    const report = processImport(
      a,
      [
        item('email', { email: 'A@example.com', mobileNumber: '447700900001' }, [book]),
        item('email', { email: 'bad@@example' }, [book]),
        item('email', { email: 'blocked@example.com' }, [book]),
        item('email', { email: 'a@example.com' }, [book]),
        item('mobileNumber', { mobileNumber: '+447700900002' }, [book]),
        item('mobileNumber', { mobileNumber: '12ab' }, [book]),
        item('contactId', { contactId: 1000 }, [book]),
        item('contactId', { contactId: 999999 }, [book]),
        item('email', { email: 'c@example.com' }, [424242]),
        item('email', { email: 'd@example.com' }, [1]), // the Test book: not writable
        item('customId', { customId: 'x' }, [book]),
        item('email', {}, [book]),
      ],
      ids,
    );
    expect(report.updated).toEqual([
      { contactId: 1000, identifiers: { email: 'a@example.com', mobileNumber: '447700900001' } },
      { contactId: 1000, identifiers: { email: 'a@example.com', mobileNumber: '447700900001' } },
    ]);
    expect(report.created).toEqual([{ contactId: 1001, identifiers: { mobileNumber: '447700900002' } }]);
    expect(report.failures.map((f) => f.failures[0]?.failureCode)).toEqual([
      'invalidEmail',
      'globallySuppressed',
      'duplicateIdentifier',
      'invalidPhoneNumber',
      'invalidContactId',
      'invalidAddressBookIds',
      'invalidAddressBookIds',
      'invalidMatchIdentifier',
      'noValidIdentifiers',
    ]);
    expect(report.summary).toEqual({
      newContacts: 1,
      updatedContacts: 2,
      globallySuppressed: 1,
      invalidEntries: 7,
      duplicateIdentifiers: 1,
    });
    expect([...a.books.get(book)!.members].sort()).toEqual([1000, 1001]);
  });
});

describe('JobBoard', () => {
  it('keeps an import NotFinished until its delay has passed, then applies it', () => {
    const { account: a, ids, book } = account();
    const board = new JobBoard(ids);
    const job = board.startImport(
      a,
      [item('email', { email: 'a@example.com' }, [book])],
      1_000,
      500,
      undefined,
    );
    expect(board.activeImports(7)).toBe(1);
    board.settle(1_499);
    expect(job.status).toBe('NotFinished');
    expect(a.books.get(book)!.members.size).toBe(0);
    board.settle(1_500);
    expect(job.status).toBe('Finished');
    expect(job.report?.created).toHaveLength(1);
    expect(board.activeImports(7)).toBe(0);
  });

  it('applies jobs in finishing order, so an add then a remove of one contact leaves it out', () => {
    const { account: a, ids, book } = account();
    const board = new JobBoard(ids);
    processImport(a, [item('email', { email: 'x@example.com' }, [book])], ids);
    board.startDeletion(a, book, [1000], 0, 200, undefined);
    board.startImport(a, [item('email', { email: 'x@example.com' }, [book])], 0, 100, undefined);
    board.settle(1_000);
    expect(a.books.get(book)!.members.has(1000)).toBe(false);
  });

  it('ends jobs in an injected status without touching the book', () => {
    const { account: a, ids, book } = account();
    const board = new JobBoard(ids);
    const imp = board.startImport(
      a,
      [item('email', { email: 'a@example.com' }, [book])],
      0,
      0,
      'RejectedByWatchdog',
    );
    processImport(a, [item('email', { email: 'b@example.com' }, [book])], ids);
    const del = board.startDeletion(a, book, [1000], 0, 0, 'Failed');
    board.settle(0);
    expect(imp.status).toBe('RejectedByWatchdog');
    expect(imp.report).toBeUndefined();
    expect(del.status).toBe('Failed');
    expect(a.books.get(book)!.members.size).toBe(1);
  });

  it('completes a deletion, ignoring ids that are not members, and forgets old jobs', () => {
    const { account: a, ids, book } = account();
    const board = new JobBoard(ids);
    processImport(a, [item('email', { email: 'a@example.com' }, [book])], ids);
    const del = board.startDeletion(a, book, [1000, 55555], 0, 10, undefined);
    expect(del.status).toBe('Started');
    board.settle(10);
    expect(del.status).toBe('Completed');
    expect(a.books.get(book)!.members.size).toBe(0);
    board.settle(10 + 3_600_001);
    expect(board.deletions.size).toBe(0);
  });
});
