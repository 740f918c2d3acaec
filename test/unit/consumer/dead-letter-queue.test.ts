import { describe, expect, it } from 'vitest';
import { DeadLetterQueue } from '../../../src/consumer/dead-letter-queue.js';
import type { DeadLetterSink } from '../../../src/consumer/dead-letter.js';
import { silentLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import type { DeadLetterRecord } from '../../../src/windowing/event.js';

const record = (offset: number, errorCode = 'EVENT_INVALID'): DeadLetterRecord => ({
  topic: 't', partition: 0, offset, key: null, value: null, event: null, errorCode, errorMessage: 'm', attempts: 1, failedAt: 0, connectorId: null,
});

function sink(failFirst: number) {
  const published: number[][] = [];
  let calls = 0;
  const s: DeadLetterSink = {
    publish: (records) => {
      calls++;
      if (calls <= failFirst) return Promise.reject(new Error('broker down'));
      published.push(records.map((r) => r.offset));
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return { s, published, calls: () => calls };
}

describe('DeadLetterQueue', () => {
  it('acknowledges only after publish succeeds, retrying failures, in order', async () => {
    const k = sink(2);
    const metrics = createMetrics();
    const q = new DeadLetterQueue(k.s, metrics, silentLogger(), { lingerMs: 1, retryBaseMs: 1 });
    const acked: number[] = [];
    q.add(record(1), () => acked.push(1));
    q.add(record(2, 'DECODE_FAILED'), () => acked.push(2));
    expect(acked).toEqual([]);
    await q.drain();
    expect(k.calls()).toBe(3);
    expect(acked).toEqual([1, 2]);
    expect(k.published).toEqual([[1, 2]]);
    expect(q.pending).toBe(0);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/dotdigital_sync_dead_letters_total\{code="DECODE_FAILED"\} 1/);
  });

  it('publishes in chunks of maxBatch', async () => {
    const k = sink(0);
    const q = new DeadLetterQueue(k.s, createMetrics(), silentLogger(), { maxBatch: 2, lingerMs: 1 });
    for (let i = 0; i < 5; i++) q.add(record(i), () => undefined);
    await q.drain();
    expect(k.published.flat()).toEqual([0, 1, 2, 3, 4]);
    expect(Math.max(...k.published.map((c) => c.length))).toBe(2);
  });

  it('never acknowledges what was not published when closed', async () => {
    const k = sink(1000);
    const q = new DeadLetterQueue(k.s, createMetrics(), silentLogger(), { lingerMs: 1, retryBaseMs: 1 });
    let acked = false;
    q.add(record(1), () => (acked = true));
    await new Promise((r) => setTimeout(r, 20));
    q.close();
    await q.drain();
    expect(acked).toBe(false);
    expect(q.pending).toBe(1);
    expect(q.failing).toBe(true);
  });
});
