import { describe, expect, it } from 'vitest';
import { etaMs, formatBar, formatDuration, formatLine, Progress } from '../../../src/commands/progress.js';

function output(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return { writes, out: { write: (t: string) => void writes.push(t), isTTY, columns } };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('progress formatting', () => {
  it('formats durations and the ETA at the average rate', () => {
    expect(formatDuration(9_400)).toBe('0:09');
    expect(formatDuration(245_000)).toBe('4:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(undefined)).toBe('?');
    expect(etaMs({ done: 0, total: 10, elapsedMs: 5000 })).toBeUndefined();
    expect(etaMs({ done: 25, total: 100, elapsedMs: 10_000 })).toBe(30_000);
    expect(etaMs({ done: 100, total: 100, elapsedMs: 1 })).toBe(0);
  });

  it('plain line and bar carry the same figures', () => {
    const s = { label: 'dlq redrive', done: 250, total: 1000, elapsedMs: 10_000, detail: 're-published 240' };
    expect(formatLine(s)).toBe('dlq redrive: 250/1000 (25%) 25/s elapsed 0:10 ETA 0:30, re-published 240');
    expect(formatBar(s, 8)).toBe('dlq redrive [##......] 250/1000 (25%) 25/s elapsed 0:10 ETA 0:30 re-published 240');
    expect(formatBar({ label: 'x', done: 0, total: 0, elapsedMs: 0 }, 4)).toBe('x [####] 0/0 (100%) 0.0/s elapsed 0:00 ETA 0:00');
  });
});

describe('Progress off a terminal', () => {
  it('writes a plain line per interval, never a carriage return, and always a final line', () => {
    const { writes, out } = output(false);
    const c = clock();
    const p = new Progress({ label: 'sampling', total: 100, out, intervalMs: 5000, now: c.now });
    p.update(10);
    c.advance(4000);
    p.update(20);
    expect(writes).toEqual([]);
    c.advance(1000);
    p.update(30);
    c.advance(2000);
    p.update(40);
    c.advance(3000);
    p.update(50);
    p.finish(100);
    expect(writes).toEqual([
      'sampling: 30/100 (30%) 6.0/s elapsed 0:05 ETA 0:12\n',
      'sampling: 50/100 (50%) 5.0/s elapsed 0:10 ETA 0:10\n',
      'sampling: 100/100 (100%) 10/s elapsed 0:10 ETA 0:00\n',
    ]);
    expect(writes.join('')).not.toContain('\r');
  });

  it('a short run prints only its final line', () => {
    const { writes, out } = output(false);
    const c = clock();
    const p = new Progress({ label: 'x', total: 3, out, now: c.now });
    p.update(1);
    p.update(2);
    c.advance(500);
    p.finish(3, 'done');
    expect(writes).toEqual(['x: 3/3 (100%) 6.0/s elapsed 0:01 ETA 0:00, done\n']);
  });
});

describe('Progress on a terminal', () => {
  it('redraws one line in place, at most every 100 ms, cut to the width, and ends it', () => {
    const { writes, out } = output(true, 40);
    const c = clock();
    const p = new Progress({ label: 'dlq redrive', total: 10, out, now: c.now });
    p.update(1);
    c.advance(50);
    p.update(2);
    c.advance(60);
    p.update(3);
    p.finish(10);
    expect(writes).toHaveLength(4);
    for (const w of writes.slice(0, 3)) {
      expect(w.startsWith('\r')).toBe(true);
      expect(w.endsWith('\x1b[K')).toBe(true);
      expect(w.length - '\r\x1b[K'.length).toBeLessThanOrEqual(39);
    }
    expect(writes[2]).toContain('[##########');
    expect(writes[3]).toBe('\n');
  });
});
