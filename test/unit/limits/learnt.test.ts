import { describe, expect, it } from 'vitest';
import { LearntLimits } from '../../../src/limits/learnt.js';
import { DEFAULT_PER_MINUTE } from '../../../src/limits/options.js';

describe('LearntLimits', () => {
  it('uses the class as scope and the configured default until DotDigital says otherwise', () => {
    const l = new LearntLimits(DEFAULT_PER_MINUTE, 1000);
    expect(l.scopeOf('a:1', 'add')).toBe('add');
    expect(l.limitOf('a:1', 'add', 'add')).toBe(75);
    expect(l.limitOf('a:1', 'remove', 'remove')).toBe(35);
  });

  it('takes a connector\'s configured limits as its account\'s defaults, the lowest winning, below what DotDigital says', () => {
    const l = new LearntLimits(DEFAULT_PER_MINUTE, 1000);
    l.override('a:1', { add: 50 });
    l.override('a:1', { add: 60, remove: 20 });
    expect(l.limitOf('a:1', 'add', 'add')).toBe(50);
    expect(l.limitOf('a:1', 'remove', 'remove')).toBe(20);
    expect(l.limitOf('a:2', 'add', 'add')).toBe(75);
    l.learn('a:1', 'add', 'lowCallRate', 90);
    expect(l.limitOf('a:1', l.scopeOf('a:1', 'add'), 'add')).toBe(90);
  });

  it('maps classes to the header scope so that classes in one scope share its learnt limit', () => {
    const l = new LearntLimits(DEFAULT_PER_MINUTE, 1000);
    expect(l.learn('a:1', 'add', 'lowCallRate', 150)).toEqual({ 'op:add': 'lowCallRate', 'limit:lowCallRate': '150' });
    expect(l.learn('a:1', 'remove', 'lowCallRate', 150)).toEqual({ 'op:remove': 'lowCallRate' });
    expect(l.learn('a:1', 'remove', 'lowCallRate', 150)).toEqual({});
    expect(l.scopeOf('a:1', 'remove')).toBe('lowCallRate');
    expect(l.limitOf('a:1', 'lowCallRate', 'remove')).toBe(150);
    expect(l.scopeOf('a:2', 'remove')).toBe('remove');
  });

  it('an answer without a scope header teaches the limit of the class budget only', () => {
    const l = new LearntLimits(DEFAULT_PER_MINUTE, 1000);
    expect(l.learn('a:1', 'poll', 'poll', 40)).toEqual({ 'limit:poll': '40' });
    expect(l.learn('a:1', 'poll', 'poll', undefined)).toEqual({});
    expect(l.learn('a:1', 'poll', 'poll', 0)).toEqual({});
    expect(l.limitOf('a:1', 'poll', 'poll')).toBe(40);
  });

  it('adopts what the shared store holds and goes stale after the refresh interval', () => {
    const l = new LearntLimits(DEFAULT_PER_MINUTE, 1000);
    expect(l.isStale('a:1', 0)).toBe(true);
    l.load('a:1', { 'op:add': 'low', 'limit:low': '20', 'limit:bad': 'x', other: '1' }, 5000);
    expect(l.isStale('a:1', 5999)).toBe(false);
    expect(l.isStale('a:1', 6000)).toBe(true);
    expect(l.scopeOf('a:1', 'add')).toBe('low');
    expect(l.known()).toEqual([{ account: 'a:1', scope: 'low', limit: 20 }]);
  });
});
