import { describe, expect, it } from 'vitest';
import { hasFilter, judge, listOption, NO_FILTER, NOT_REDRIVABLE, parseLetterFilter, Tally, type LetterFacts } from '../../../src/commands/dlq-filter.js';
import { isErrorCode } from '../../../src/errors.js';
import type { MembershipChange } from '../../../src/windowing/event.js';

const T = Date.UTC(2026, 10, 20);
const ev = { connectorId: 'demo' } as MembershipChange;
const letter = (p: Partial<LetterFacts> = {}): LetterFacts => ({ errorCode: 'DD_CONTACT_REJECTED', connectorId: 'demo', failedAt: T, value: null, event: ev, ...p });

describe('dlq redrive filters', () => {
  it('takes repeatable options and comma lists', () => {
    expect(listOption(['a,b', ' c ', ''])).toEqual(['a', 'b', 'c']);
    expect(listOption('x')).toEqual(['x']);
    expect(listOption(undefined)).toBeUndefined();
    const f = parseLetterFilter({ connector: ['acme', 'demo,other'], code: ['DD_RATE_LIMITED,CONNECTOR_UNKNOWN'], since: '2026-11-01', until: '2026-11-30T12:00:00Z' });
    expect([...(f.connectors ?? [])]).toEqual(['acme', 'demo', 'other']);
    expect([...(f.codes ?? [])]).toEqual(['DD_RATE_LIMITED', 'CONNECTOR_UNKNOWN']);
    expect([f.sinceMs, f.untilMs]).toEqual([Date.UTC(2026, 10, 1), Date.UTC(2026, 10, 30, 12)]);
    expect(hasFilter(f)).toBe(true);
    expect(hasFilter(parseLetterFilter({}))).toBe(false);
  });

  it('rejects what it cannot mean', () => {
    expect(() => parseLetterFilter({ code: ['DD_RATE_LIMITED,NOPE'] })).toThrow(/unknown error code NOPE/);
    expect(() => parseLetterFilter({ code: [','] })).toThrow(/--code needs/);
    expect(() => parseLetterFilter({ connector: [''] })).toThrow(/--connector needs/);
    expect(() => parseLetterFilter({ since: 'yesterday' })).toThrow(/--since/);
    expect(() => parseLetterFilter({ since: '2026-11-02', until: '2026-11-01' })).toThrow(/before --until/);
  });

  it('skips codes that fail again on the same bytes, unless named', () => {
    for (const code of NOT_REDRIVABLE) expect(isErrorCode(code)).toBe(true);
    expect(judge(letter({ errorCode: 'DECODE_UNKNOWN_MAGIC_BYTE', value: Buffer.from('x') }), NO_FILTER)).toBe('not-redrivable');
    expect(judge(letter({ errorCode: 'DECODE_FAILED', value: Buffer.from('x') }), parseLetterFilter({ code: ['DECODE_FAILED'] }))).toBe('redrive');
    expect(judge(letter({ errorCode: 'CONNECTOR_UNKNOWN' }), NO_FILTER)).toBe('redrive');
  });

  it('filters on connector, code and failedAt (since inclusive, until exclusive)', () => {
    const f = parseLetterFilter({ connector: ['demo'], code: ['DD_CONTACT_REJECTED'], since: '2026-11-20', until: '2026-11-21' });
    expect(judge(letter(), f)).toBe('redrive');
    expect(judge(letter({ connectorId: 'acme' }), f)).toBe('filtered');
    expect(judge(letter({ connectorId: null }), f)).toBe('filtered');
    expect(judge(letter({ errorCode: 'DD_RATE_LIMITED' }), f)).toBe('filtered');
    expect(judge(letter({ failedAt: T - 1 }), f)).toBe('filtered');
    expect(judge(letter({ failedAt: T + 86_400_000 - 1 }), f)).toBe('redrive');
    expect(judge(letter({ failedAt: T + 86_400_000 }), f)).toBe('filtered');
  });

  it('a letter with neither value nor event cannot be re-published', () => {
    expect(judge(letter({ event: null }), NO_FILTER)).toBe('no-payload');
    expect(judge(letter({ event: null, value: Buffer.from([0, 0, 0, 0, 1]) }), NO_FILTER)).toBe('redrive');
  });
});

describe('Tally', () => {
  it('counts per code and connector, and says why letters were skipped', () => {
    const t = new Tally();
    t.add(letter(), 'redrive');
    t.add(letter(), 'redrive');
    t.add(letter({ errorCode: 'CONNECTOR_UNKNOWN', connectorId: 'acme' }), 'redrive');
    t.add(letter({ connectorId: null }), 'redrive');
    t.add(letter({ errorCode: 'DECODE_UNKNOWN_MAGIC_BYTE' }), 'not-redrivable');
    t.add(letter(), 'filtered');
    t.unreadable();
    expect(t.read).toBe(7);
    expect(t.table()).toEqual([
      { code: 'CONNECTOR_UNKNOWN', connector: 'acme', letters: 1 },
      { code: 'DD_CONTACT_REJECTED', connector: '(unknown)', letters: 1 },
      { code: 'DD_CONTACT_REJECTED', connector: 'demo', letters: 2 },
    ]);
    const lines = t.lines('would re-publish');
    expect(lines[0]).toMatch(/^code\s+connector\s+letters$/);
    expect(lines).toContain('would re-publish 4 of 7 letter(s) read');
    expect(lines).toContain('skipped 1: outside the filters');
    expect(lines.some((l) => l.includes('DECODE_UNKNOWN_MAGIC_BYTE ×1') && l.includes('--code'))).toBe(true);
    expect(lines.some((l) => l.startsWith('unreadable 1'))).toBe(true);
  });

  it('an empty run says so in one line', () => {
    expect(new Tally().lines('re-published')).toEqual(['re-published 0 of 0 letter(s) read']);
  });
});
