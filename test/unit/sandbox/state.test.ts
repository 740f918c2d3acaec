import { describe, expect, it } from 'vitest';
import { Account } from '../../../src/sandbox/account.js';
import { CallLog } from '../../../src/sandbox/call-log.js';
import { SandboxState } from '../../../src/sandbox/state.js';
import { DEFAULT_LIMITS, type AccountSeed } from '../../../src/sandbox/types.js';
import { parseAccountSeed, parseFaults, SandboxError } from '../../../src/sandbox/validate.js';

const seed: AccountSeed = {
  id: 1,
  region: 'r2',
  apiUsers: [{ username: 'u1', password: 'p1' }],
  addressBooks: [{ name: 'A' }],
};

describe('address books', () => {
  it('refuses duplicate (any case), reserved and invalid names', () => {
    let next = 1;
    const ids = { book: () => next++, contact: () => 0 };
    const a = new Account(seed, ids, { limits: DEFAULT_LIMITS, rateMode: 'tiered', flatLimitPerHour: 1 });
    expect(a.createBook(' a ', 'Private', ids)).toBe('duplicate');
    expect(a.createBook('TEST', 'Private', ids)).toBe('duplicate');
    expect(a.createBook('All Contacts', 'Public', ids)).toBe('duplicate');
    expect(a.createBook('', 'Private', ids)).toBe('invalid');
    expect(a.createBook('x'.repeat(129), 'Private', ids)).toBe('invalid');
    expect(a.createBook('B', 'Public', ids)).toMatchObject({
      name: 'B',
      visibility: 'Public',
      writable: true,
    });
    expect(a.pageOfBooks(2, 1).map((b) => b.name)).toEqual(['A', 'B']);
  });
});

describe('SandboxState', () => {
  it('authenticates API users against their own account only', () => {
    const s = new SandboxState({}, [
      seed,
      { id: 2, region: 'r1', apiUsers: [{ username: 'u2', password: 'p2' }] },
    ]);
    expect(s.authenticate('u1', 'p1')?.id).toBe(1);
    expect(s.authenticate('u2', 'p2')?.id).toBe(2);
    expect(s.authenticate('u1', 'p2')).toBeUndefined();
    expect(s.authenticate('nobody', '')).toBeUndefined();
  });

  it('refuses a second account with an id or user that exists', () => {
    const s = new SandboxState({}, [seed]);
    expect(() => s.addAccount({ ...seed, apiUsers: [{ username: 'other', password: 'x' }] })).toThrow(
      /account 1 exists/,
    );
    expect(() => s.addAccount({ ...seed, id: 9 })).toThrow(/API user u1 exists/);
  });

  it('changes limits and modes, and reset() restores the start', () => {
    const s = new SandboxState({ limitWindowMs: 1_000, defaultLimits: { contactImport: 5 } }, [seed]);
    expect(s.account(1).limits.contactImport).toBe(5);
    s.setLimit(1, 'contactDelete', 3);
    s.setRateMode(1, 'flat', 10);
    s.setSettings({ importDelayMs: 0, resetHeaderForm: 'epoch' });
    s.addAccount({ id: 3, region: 'r3', apiUsers: [{ username: 'u3', password: 'p3' }] });
    expect(s.account(1)).toMatchObject({ rateMode: 'flat', flatLimitPerHour: 10 });
    expect(s.account(1).limits.contactDelete).toBe(3);
    s.reset();
    expect(s.account(1)).toMatchObject({ rateMode: 'tiered', flatLimitPerHour: 2000 });
    expect(s.account(1).limits.contactDelete).toBe(DEFAULT_LIMITS.contactDelete);
    expect(s.settings).toMatchObject({ importDelayMs: 2000, resetHeaderForm: 'delta', limitWindowMs: 1_000 });
    expect(s.accounts.has(3)).toBe(false);
  });

  it('rejects bad control input with every problem listed', () => {
    const s = new SandboxState({}, [seed]);
    expect(() => s.setLimit(1, 'lowCallRate', -1)).toThrow(/unknown scope lowCallRate.*integer ≥ 0/);
    expect(() => s.setSettings({ limitWindowMs: 0 })).toThrow(SandboxError);
    expect(() => s.setLimit(99, 'jobStatus', 1)).toThrow(/no account 99/);
    expect(() => parseFaults({ serverErrorRate: 2, serverErrorStatus: 404, scopes: ['nope'] })).toThrow(
      /serverErrorRate.*serverErrorStatus.*scopes/,
    );
    expect(() => parseAccountSeed({ id: 0, region: 'eu', apiUsers: [] })).toThrow(
      /id must.*region must.*apiUsers/,
    );
    expect(() => new SandboxState({ maxActiveImports: 0 }, [])).toThrow(/maxActiveImports/);
  });

  it('shows each book with its members', () => {
    const s = new SandboxState({}, [seed]);
    const a = s.account(1);
    const c = a.createContact(s.ids, 'x@example.com', '447700900001');
    [...a.books.values()].find((b) => b.name === 'A')!.members.add(c.id);
    const view = s.inspect(0).accounts[0]!;
    expect(view.books.find((b) => b.name === 'A')?.members).toEqual([
      { contactId: c.id, email: 'x@example.com', mobileNumber: '447700900001' },
    ]);
    expect(view.books.map((b) => b.name)).toEqual(['Test', 'A']);
  });
});

describe('CallLog', () => {
  it('counts per operation, scope and status', () => {
    const log = new CallLog();
    const e = { at: 0, method: 'GET', path: '/r1/x', accountId: 1 };
    log.record({ ...e, operation: 'getImportStatus', scope: 'jobStatus', status: '200' });
    log.record({ ...e, operation: 'getImportStatus', scope: 'jobStatus', status: '200' });
    log.record({ ...e, operation: 'importContacts', scope: 'contactImport', status: '429' });
    expect(log.summary()).toEqual({
      total: 3,
      counts: [
        { operation: 'getImportStatus', scope: 'jobStatus', status: '200', count: 2 },
        { operation: 'importContacts', scope: 'contactImport', status: '429', count: 1 },
      ],
    });
    expect(log.count({ scope: 'jobStatus' })).toBe(2);
    expect(log.latest(1)[0]?.operation).toBe('importContacts');
  });

  it('keeps only the latest entries but counts every call', () => {
    const log = new CallLog(2);
    for (let i = 0; i < 5; i++)
      log.record({
        at: i,
        method: 'GET',
        path: '/r1/x',
        accountId: 1,
        operation: 'op',
        scope: 's',
        status: '200',
      });
    expect(log.latest().map((e) => e.at)).toEqual([3, 4]);
    expect(log.latest(10).map((e) => e.at)).toEqual([3, 4]);
    expect(log.summary().total).toBe(5);
  });
});
