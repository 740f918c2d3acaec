import { describe, expect, it } from 'vitest';
import { contactKey } from '../../../src/windowing/contact-key.js';
import type { MembershipChange, SourceOffset } from '../../../src/windowing/event.js';
import { resolveWindowingOptions, type WindowingOptions } from '../../../src/windowing/options.js';
import { keyHash } from '../../../src/windowing/window-parts.js';
import { WindowStore } from '../../../src/windowing/window-store.js';
import { at, event, type EventSpec } from './helpers.js';

const WINDOW = 1000;

function setup(options: Partial<WindowingOptions> = {}) {
  const store = new WindowStore(resolveWindowingOptions({ windowMs: WINDOW, maxBatchSize: 3, ...options }));
  let offset = 0;
  const add = (
    spec: EventSpec,
    nowMs: number,
    firstSeenMs = nowMs,
  ): { coalesced: boolean; source: SourceOffset; e: MembershipChange } => {
    const e = event(spec);
    const source = at(offset++);
    return { coalesced: store.add(contactKey(e.profile), e, source, nowMs, firstSeenMs), source, e };
  };
  return { store, add };
}

const keys = (batch: { entries: readonly { key: string }[] }): string[] =>
  batch.entries.map((e) => e.key).sort();

describe('WindowStore: when windows are due', () => {
  it('releases a window windowMs after it opened, with reason age', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 100);
    add({ email: 'b@x' }, 600);
    expect(store.nextDueMs()).toBe(1100);
    expect(store.takeSendable(1099, 10)).toEqual([]);
    const [batch, ...rest] = store.takeSendable(1100, 10);
    expect(rest).toEqual([]);
    expect(batch).toMatchObject({
      reason: 'age',
      openedAtMs: 100,
      connectorId: 'c1',
      addressBookId: 1,
      action: 'ADD',
      generation: 0,
    });
    expect(keys(batch!)).toEqual(['a@x', 'b@x']);
    expect(store.buffered).toBe(0);
    expect(store.inFlightBatches).toBe(1);
    expect(store.nextDueMs()).toBeUndefined();
  });

  it('releases a window as soon as it holds maxBatchSize entries, with reason full; the next entry opens a new window', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 0);
    add({ email: 'b@x' }, 10);
    add({ email: 'c@x' }, 20);
    add({ email: 'd@x' }, 30);
    expect(store.nextDueMs()).toBe(20);
    const batches = store.takeSendable(20, 10);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ reason: 'full', openedAtMs: 0 });
    expect(keys(batches[0]!)).toEqual(['a@x', 'b@x', 'c@x']);
    expect(store.buffered).toBe(1);
    expect(store.nextDueMs()).toBe(30 + WINDOW);
  });

  it('flush releases every window, due or not, with reason flush', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 0);
    add({ email: 'b@x', action: 'REMOVE' }, 0);
    add({ email: 'c@x', book: 2 }, 0);
    const batches = store.takeSendable(5, 10, true);
    expect(batches.map((b) => b.reason)).toEqual(['flush', 'flush', 'flush']);
    expect(store.buffered).toBe(0);
  });

  it('takes at most maxBatches, earliest due first; a due window left waiting keeps taking entries up to maxBatchSize', () => {
    const { store, add } = setup();
    add({ email: 'a@x', book: 1 }, 0);
    add({ email: 'b@x', book: 2 }, 10);
    expect(store.takeSendable(2000, 0)).toEqual([]);
    // both due, no send slot: book 2's window fills up meanwhile
    add({ email: 'c@x', book: 2 }, 2000);
    add({ email: 'd@x', book: 2 }, 2000);
    add({ email: 'e@x', book: 2 }, 2000);
    const first = store.takeSendable(2000, 1);
    expect(first.map((b) => b.addressBookId)).toEqual([1]);
    const second = store.takeSendable(2000, 1);
    expect(second[0]).toMatchObject({ addressBookId: 2, reason: 'age' });
    expect(keys(second[0]!)).toEqual(['b@x', 'c@x', 'd@x']);
    expect(store.buffered).toBe(1);
    expect(store.nextDueMs()).toBe(2000 + WINDOW);
  });

  it('keeps one window per (connector, address book, action)', () => {
    const { store, add } = setup();
    add({ connectorId: 'c1', book: 1, email: 'a@x' }, 0);
    add({ connectorId: 'c2', book: 1, email: 'a@x' }, 0);
    add({ connectorId: 'c1', book: 2, email: 'a@x' }, 0);
    add({ connectorId: 'c1', book: 1, email: 'b@x', action: 'REMOVE' }, 0);
    expect(store.buffered).toBe(4);
    const batches = store.takeSendable(WINDOW, 10);
    expect(batches.map((b) => `${b.connectorId}/${b.addressBookId}/${b.action}`).sort()).toEqual([
      'c1/1/ADD',
      'c1/1/REMOVE',
      'c1/2/ADD',
      'c2/1/ADD',
    ]);
    // books under the same id and other connectors stay apart after completing in any order
    for (const b of batches.reverse()) expect(store.complete(b)).toBe(true);
    add({ connectorId: 'c2', book: 1, email: 'a@x' }, 2000);
    add({ connectorId: 'c1', book: 1, email: 'a@x' }, 2000);
    expect(store.buffered).toBe(2);
  });

  it('an entry first consumed earlier makes its window due earlier', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 5000);
    add({ email: 'b@x' }, 5000, 4500);
    expect(store.nextDueMs()).toBe(4500 + WINDOW);
    add({ email: 'c@x', book: 9 }, 5000, 3000);
    expect(store.nextDueMs()).toBe(3000 + WINDOW);
    expect(store.oldestBufferedMs()).toBe(3000);
  });
});

describe('WindowStore: coalescing', () => {
  it('a later event for the same contact replaces the pending one; the earlier offsets travel with it', () => {
    const { store, add } = setup();
    const first = add({ email: 'A@x' }, 0);
    const second = add({ email: ' a@x' }, 10);
    const third = add({ email: 'a@X' }, 20);
    expect([first.coalesced, second.coalesced, third.coalesced]).toEqual([false, true, true]);
    expect(store.buffered).toBe(1);
    const [batch] = store.takeSendable(WINDOW, 10);
    expect(batch!.entries).toHaveLength(1);
    const entry = batch!.entries[0]!;
    expect(entry.event).toBe(third.e);
    expect(entry.source).toBe(third.source);
    expect(entry.replaced).toEqual([first.source, second.source]);
  });

  it('a change of action moves the contact to the other window: enter then exit sends only the remove', () => {
    const { store, add } = setup();
    add({ email: 'a@x', action: 'ADD' }, 0);
    const exit = add({ email: 'a@x', action: 'REMOVE' }, 500);
    expect(exit.coalesced).toBe(true);
    expect(store.buffered).toBe(1);
    // the emptied ADD window is gone; the REMOVE window keeps the age of the one it left
    expect(store.nextDueMs()).toBe(WINDOW);
    const batches = store.takeSendable(WINDOW, 10);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ action: 'REMOVE', openedAtMs: 0 });
    expect(batches[0]!.entries[0]!.replaced).toHaveLength(1);
  });

  it('moving out keeps the other entries of the window in place', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 0);
    add({ email: 'b@x' }, 0);
    add({ email: 'c@x' }, 0);
    add({ email: 'a@x', action: 'REMOVE' }, 10);
    add({ email: 'd@x' }, 20);
    const batches = store.takeSendable(0, 10);
    // the ADD window was full at 0: once due it stays due, even after losing an entry
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({ action: 'ADD', reason: 'full' });
    expect(keys(batches[0]!)).toEqual(['b@x', 'c@x', 'd@x']);
    add({ email: 'a@x', action: 'ADD' }, 30);
    const last = add({ email: 'a@x', action: 'REMOVE' }, 40);
    expect(store.buffered).toBe(1);
    // back and forth, the contact keeps the age of its first event
    const [remove] = store.takeSendable(WINDOW, 10);
    expect(remove).toMatchObject({ action: 'REMOVE', openedAtMs: 0 });
    expect(remove!.entries[0]!.event).toBe(last.e);
    expect(remove!.entries[0]!.replaced).toHaveLength(3);
  });

  it('identical duplicates collapse into one entry', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 0);
    add({ email: 'a@x' }, 0);
    expect(store.buffered).toBe(1);
    expect(store.takeSendable(WINDOW, 10)[0]!.entries).toHaveLength(1);
  });

  it('coalesces by the contact, not the event: other books and identifiers stay apart', () => {
    const { store, add } = setup();
    add({ email: 'a@x', book: 1 }, 0);
    add({ email: 'a@x', book: 2 }, 0);
    add({ email: null, contactId: 5 }, 0);
    add({ email: null, mobileNumber: '+1' }, 0);
    expect(store.buffered).toBe(4);
  });
});

describe('WindowStore: order per contact', () => {
  it('holds back a contact while a batch with it is in flight, and sends the rest of the window', () => {
    const { store, add } = setup();
    add({ email: 'a@x', action: 'ADD' }, 0);
    const [adds] = store.takeSendable(WINDOW, 10);
    // the contact leaves again while its add is in flight
    add({ email: 'a@x', action: 'REMOVE' }, 100);
    add({ email: 'b@x', action: 'REMOVE' }, 100);
    const [removes, ...none] = store.takeSendable(100 + WINDOW, 10);
    expect(none).toEqual([]);
    expect(keys(removes!)).toEqual(['b@x']);
    // what is left waits for the add: not due for the scheduler until it completes
    expect(store.buffered).toBe(1);
    expect(store.nextDueMs()).toBeUndefined();
    expect(store.takeSendable(1e9, 10, true)).toEqual([]);
    expect(store.oldestBufferedMs()).toBe(100);
    expect(store.complete(adds!)).toBe(true);
    expect(store.nextDueMs()).toBe(100 + WINDOW);
    const [late] = store.takeSendable(100 + WINDOW, 10);
    expect(late).toMatchObject({ action: 'REMOVE', reason: 'age' });
    expect(keys(late!)).toEqual(['a@x']);
  });

  it('never releases a window whose every entry is in flight elsewhere, and a later unblocked entry frees it', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 0);
    const [first] = store.takeSendable(WINDOW, 10);
    add({ email: 'a@x' }, 10);
    expect(store.takeSendable(10 + WINDOW, 10)).toEqual([]);
    // the parked window is the open one: it takes new contacts, and then has something to send
    add({ email: 'b@x' }, 20);
    expect(store.nextDueMs()).toBe(10 + WINDOW);
    const [partial] = store.takeSendable(10 + WINDOW, 10);
    expect(keys(partial!)).toEqual(['b@x']);
    expect(store.buffered).toBe(1);
    // the blocked entry may change action while it waits
    add({ email: 'a@x', action: 'REMOVE' }, 30);
    expect(store.buffered).toBe(1);
    expect(store.takeSendable(1e9, 10)).toEqual([]);
    store.complete(first!);
    const [after] = store.takeSendable(1e9, 10);
    expect(after).toMatchObject({ action: 'REMOVE' });
    expect(store.complete(partial!)).toBe(true);
    expect(store.complete(after!)).toBe(true);
    expect(store.complete(after!)).toBe(false);
  });

  it('a batch completes without anything waiting: the contact is free again', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 0);
    const [b1] = store.takeSendable(WINDOW, 10);
    store.complete(b1!);
    add({ email: 'a@x', action: 'REMOVE' }, 2000);
    expect(store.takeSendable(2000 + WINDOW, 10)).toHaveLength(1);
  });
});

describe('WindowStore: generations', () => {
  it('reset drops every buffered entry and stamps later batches with the new generation', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 0);
    add({ email: 'b@x', book: 2, action: 'REMOVE' }, 0);
    expect(store.reset(7)).toBe(2);
    expect(store.generation).toBe(7);
    expect(store.buffered).toBe(0);
    expect(store.nextDueMs()).toBeUndefined();
    expect(store.takeSendable(1e9, 10, true)).toEqual([]);
    add({ email: 'a@x' }, 5000);
    expect(store.takeSendable(5000 + WINDOW, 10)[0]).toMatchObject({ generation: 7, openedAtMs: 5000 });
  });

  it('batches in flight survive a reset and keep blocking their contacts in the new generation', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 0);
    add({ email: 'b@x' }, 0);
    const [old] = store.takeSendable(WINDOW, 10);
    add({ email: 'a@x', action: 'REMOVE' }, 100); // blocked behind the add, then dropped by the reset
    expect(store.takeSendable(100 + WINDOW, 10)).toEqual([]); // parks the blocked remove
    add({ email: 'c@x' }, 200); // plain buffered, dropped
    expect(store.reset(2)).toBe(2);
    // re-delivered in the new generation
    add({ email: 'a@x', action: 'REMOVE' }, 3000);
    add({ email: 'b@x', action: 'REMOVE' }, 3000);
    add({ email: 'c@x' }, 3000);
    expect(store.buffered).toBe(3);
    const first = store.takeSendable(1e9, 10, true);
    expect(first.map((b) => `${b.action}:${keys(b).join(',')}`)).toEqual(['ADD:c@x']);
    expect(store.complete(old!)).toBe(true);
    const after = store.takeSendable(1e9, 10, true);
    expect(after.map((b) => `${b.generation}:${b.action}:${keys(b).join(',')}`)).toEqual([
      '2:REMOVE:a@x,b@x',
    ]);
  });

  it('a batch in flight across a reset, with nothing re-delivered, frees its contacts when it completes', () => {
    const { store, add } = setup();
    add({ email: 'a@x' }, 0);
    const [old] = store.takeSendable(WINDOW, 10);
    add({ email: 'a@x', action: 'REMOVE' }, 10);
    store.reset(1);
    store.complete(old!);
    add({ email: 'a@x', action: 'REMOVE' }, 20);
    expect(store.takeSendable(1e9, 10, true)).toHaveLength(1);
  });
});

describe('WindowStore: bounds and metrics', () => {
  it('pauses at maxBufferedEntries and resumes back down at the low-water mark', () => {
    const { store, add } = setup({ maxBatchSize: 100, maxBufferedEntries: 4, resumeBufferedEntries: 2 });
    const emails = ['a@x', 'b@x', 'c@x', 'd@x'];
    for (const email of emails.slice(0, 3)) add({ email }, 0);
    expect(store.shouldPause()).toBe(false);
    expect(store.shouldResume()).toBe(false);
    add({ email: 'd@x' }, 0);
    add({ email: 'd@x' }, 0);
    expect(store.buffered).toBe(4);
    expect(store.shouldPause()).toBe(true);
    add({ email: 'e@x', book: 2 }, 0);
    add({ email: 'f@x', book: 2 }, 0);
    store.takeSendable(WINDOW, 1);
    expect(store.buffered).toBe(2);
    expect(store.shouldPause()).toBe(false);
    expect(store.shouldResume()).toBe(true);
  });

  it('reports the oldest buffered entry', () => {
    const { store, add } = setup();
    expect(store.oldestBufferedMs()).toBeUndefined();
    add({ email: 'a@x', book: 1 }, 300);
    add({ email: 'b@x', book: 2 }, 200);
    add({ email: 'c@x', book: 3 }, 400);
    expect(store.oldestBufferedMs()).toBe(200);
  });

  it('serialises a batch with the public fields only', () => {
    const { store, add } = setup();
    const { e, source } = add({ email: 'a@x' }, 0);
    const [batch] = store.takeSendable(WINDOW, 10);
    const json = JSON.parse(JSON.stringify(batch)) as { entries: unknown[] };
    expect(json.entries).toEqual([{ key: 'a@x', event: e, source, replaced: null }]);
  });
});

describe('WindowStore: contacts whose keys share a hash', () => {
  const [A, B] = ['c693596@x.io', 'c1170850@x.io'];

  it('keeps them apart through coalescing, sending, blocking and completing', () => {
    expect(keyHash(A)).toBe(keyHash(B));
    const { store, add } = setup();
    add({ email: A }, 0);
    add({ email: B }, 0);
    expect(add({ email: B, action: 'REMOVE' }, 10).coalesced).toBe(true);
    expect(add({ email: A }, 10).coalesced).toBe(true);
    expect(store.buffered).toBe(2);
    const batches = store.takeSendable(WINDOW, 10);
    expect(batches.map((b) => `${b.action}:${keys(b).join(',')}`).sort()).toEqual([
      `ADD:${A}`,
      `REMOVE:${B}`,
    ]);
    const addA = batches.find((b) => b.action === 'ADD')!;
    const removeB = batches.find((b) => b.action === 'REMOVE')!;
    // both in flight: later events for each wait for their own batch only
    add({ email: B }, 2000);
    add({ email: A, action: 'REMOVE' }, 2000);
    expect(store.takeSendable(1e9, 10, true)).toEqual([]);
    store.complete(removeB);
    expect(store.takeSendable(1e9, 10, true).map(keys)).toEqual([[B]]);
    store.complete(addA);
    expect(store.takeSendable(1e9, 10, true).map(keys)).toEqual([[A]]);
  });

  it('finds the second key once the first has gone, and a reset keeps its in-flight marker', () => {
    const { store, add } = setup();
    add({ email: A }, 0);
    add({ email: B, book: 1 }, 0);
    const [first] = store.takeSendable(WINDOW, 10);
    store.complete(first!);
    add({ email: B }, 2000);
    const [onlyB] = store.takeSendable(1e9, 10, true);
    add({ email: B, action: 'REMOVE' }, 2100);
    add({ email: A }, 2100);
    store.reset(1);
    add({ email: B, action: 'REMOVE' }, 2200);
    expect(store.takeSendable(1e9, 10, true)).toEqual([]);
    store.complete(onlyB!);
    expect(store.takeSendable(1e9, 10, true).map(keys)).toEqual([[B]]);
  });
});
