import { describe, expect, it } from 'vitest';
import { ContactIdCache } from '../../../src/sink/id-cache.js';

describe('ContactIdCache', () => {
  it('evicts the least recently used entry past its size', () => {
    const cache = new ContactIdCache(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('overwrites, deletes, and stores nothing at size 0', () => {
    const cache = new ContactIdCache(3);
    cache.set('a', 1);
    cache.set('a', 9);
    expect(cache.get('a')).toBe(9);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    const off = new ContactIdCache(0);
    off.set('a', 1);
    expect(off.get('a')).toBeUndefined();
  });
});
