import { describe, expect, it } from 'vitest';
import { replay, targetFrom, type ReplayIo } from '../../../src/commands/replay.js';
import { parseOffsetList, parseTimestamp, planReplay } from '../../../src/commands/replay-plan.js';
import type { OffsetAdmin, PartitionOffsets } from '../../../src/consumer/offset-admin.js';
import { EXIT } from '../../../src/cli-args.js';

const current: PartitionOffsets[] = [
  { partition: 0, committed: 100, low: 10, high: 150 },
  { partition: 1, committed: -1, low: 0, high: 40 },
];

function fakeAdmin(members = 0) {
  const set: Map<number, number>[] = [];
  let state = current.map((p) => ({ ...p }));
  const admin: OffsetAdmin = {
    groupMemberCount: () => Promise.resolve(members),
    offsets: () => Promise.resolve(state.map((p) => ({ ...p }))),
    offsetsAt: () => Promise.resolve(new Map([[0, 120], [1, 40]])),
    setOffsets: (_g, _t, offsets) => {
      set.push(new Map(offsets));
      state = state.map((p) => ({ ...p, committed: offsets.get(p.partition) ?? p.committed }));
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return { admin, set };
}

function io(interactive = false, answer = false): ReplayIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), interactive, confirm: () => Promise.resolve(answer) };
}

describe('replay planning', () => {
  it('plans earliest, timestamp and explicit offsets with lag before and after', () => {
    expect(planReplay(current, { kind: 'earliest' })).toEqual([
      { partition: 0, committed: 100, target: 10, lagBefore: 50, lagAfter: 140 },
      { partition: 1, committed: -1, target: 0, lagBefore: 40, lagAfter: 40 },
    ]);
    expect(planReplay(current, { kind: 'timestamp', timestampMs: 1 }, new Map([[0, 120]])).map((r) => r.target)).toEqual([120, 40]);
    expect(planReplay(current, { kind: 'offsets', offsets: new Map([[0, 5000]]) })).toEqual([
      { partition: 0, committed: 100, target: 150, lagBefore: 50, lagAfter: 0 },
    ]);
    expect(() => planReplay(current, { kind: 'offsets', offsets: new Map([[7, 1]]) })).toThrow(/no partition 7/);
  });

  it('parses its arguments strictly', () => {
    expect([...parseOffsetList('0:12, 3:0')]).toEqual([[0, 12], [3, 0]]);
    expect(() => parseOffsetList('0:1,0:2')).toThrow(/twice/);
    expect(() => parseOffsetList('a:1')).toThrow(/partition:offset/);
    expect(parseTimestamp('2026-11-01T00:00:00Z')).toBe(Date.UTC(2026, 10, 1));
    expect(() => parseTimestamp('yesterday')).toThrow(/ISO-8601/);
    expect(() => targetFrom({ 'to-earliest': true, 'to-offset': '0:1' })).toThrow(/exactly one/);
    expect(() => targetFrom({})).toThrow(/exactly one/);
  });
});

describe('replay', () => {
  const args = { group: 'g', topic: 't', target: { kind: 'earliest' } as const, dryRun: false, yes: true };

  it('refuses while the group has members', async () => {
    const { admin, set } = fakeAdmin(2);
    const out = io();
    expect(await replay(admin, out, args)).toBe(EXIT.REFUSED);
    expect(set).toEqual([]);
    expect(out.lines.join('\n')).toMatch(/2 active member/);
  });

  it('changes nothing on a dry run', async () => {
    const { admin, set } = fakeAdmin();
    const out = io();
    expect(await replay(admin, out, { ...args, dryRun: true })).toBe(EXIT.OK);
    expect(set).toEqual([]);
    expect(out.lines.join('\n')).toMatch(/total lag: 90 before, 180 after/);
  });

  it('refuses without --yes off a terminal, asks on one, applies with --yes', async () => {
    const a = fakeAdmin();
    expect(await replay(a.admin, io(false), { ...args, yes: false })).toBe(EXIT.REFUSED);
    expect(await replay(a.admin, io(true, false), { ...args, yes: false })).toBe(EXIT.REFUSED);
    expect(a.set).toEqual([]);
    const out = io();
    expect(await replay(a.admin, out, args)).toBe(EXIT.OK);
    expect(a.set).toEqual([new Map([[0, 10], [1, 0]])]);
    expect(out.lines.join('\n')).toMatch(/committed 10 {2}lag 140/);
  });
});
