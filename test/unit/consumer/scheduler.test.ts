import { afterEach, describe, expect, it } from 'vitest';
import { FailurePolicy } from '../../../src/consumer/failure-policy.js';
import { Scheduler } from '../../../src/consumer/scheduler.js';
import type { BatchSender } from '../../../src/consumer/sender.js';
import { StatusBoard } from '../../../src/consumer/status.js';
import { SyncError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import type { ContactOutcome } from '../../../src/sink/index.js';
import { Windowing, type Batch } from '../../../src/windowing/index.js';
import { change, memoryDlq, until } from './fixtures.js';

const TP = { topic: 't', partition: 0 };
const schedulers: Scheduler[] = [];

function setup(send: (batch: Batch, signal: AbortSignal, attempt: number) => Promise<readonly ContactOutcome[]>, maxAttempts = 3) {
  const windowing = new Windowing({ windowMs: 1_000_000, maxBatchSize: 3, maxBufferedEntries: 100, resumeBufferedEntries: 10 });
  windowing.onAssignment([TP]);
  const metrics = createMetrics();
  const { dlq, published, setOpen } = memoryDlq(metrics);
  const calls: Batch[] = [];
  const sender: BatchSender = { send: (b, signal) => (calls.push(b), send(b, signal, calls.length)) };
  const status = new StatusBoard();
  const policy = new FailurePolicy({ maxAttempts, baseDelayMs: 1, maxDelayMs: 2, apiUsageBackoffMs: 5 });
  const scheduler = new Scheduler(windowing, sender, dlq, policy, status, metrics, silentLogger(), { concurrency: 2, idleMs: 5 });
  schedulers.push(scheduler);
  const add = (n: number, from = 0) => {
    for (let i = from; i < from + n; i++) windowing.add(change(`u${i}@x.io`), { ...TP, offset: i }, Date.now());
    scheduler.kick();
  };
  return { windowing, scheduler, calls, published, setOpen, status, metrics, add };
}

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});

const allOk = (b: Batch) => Promise.resolve(b.entries.map(() => ({ ok: true as const })));

describe('Scheduler', () => {
  it('sends full windows and makes their offsets final', async () => {
    const s = setup(allOk);
    s.add(6);
    await until(() => s.windowing.committable('t', 0) === 6);
    expect(s.calls.map((b) => b.entries.length)).toEqual([3, 3]);
    expect(s.status.snapshot()).toMatchObject({ c1: { synced: 6 } });
  });

  it('dead-letters rejected contacts and makes their offsets final only once acknowledged', async () => {
    const s = setup((b) => Promise.resolve(b.entries.map((e, i) => (i === 1 ? { ok: false as const, error: new SyncError('DD_CONTACT_REJECTED', 'suppressed', { remoteCode: 'GloballySuppressed' }) } : { ok: true as const }))));
    s.setOpen(false);
    s.add(3);
    await until(() => s.calls.length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(s.windowing.committable('t', 0)).toBe(1); // offset 1 waits for its dead letter
    s.setOpen(true);
    await until(() => s.windowing.committable('t', 0) === 3);
    expect(s.published).toHaveLength(1);
    expect(s.published[0]).toMatchObject({ offset: 1, errorCode: 'DD_CONTACT_REJECTED', errorMessage: 'GloballySuppressed: suppressed', connectorId: 'c1', value: null });
    expect(s.published[0]?.event?.profile.email).toBe('u1@x.io');
  });

  it('retries the same batch after a retryable failure', async () => {
    const s = setup((b, _s, attempt) => (attempt === 1 ? Promise.reject(new SyncError('DD_SERVER_ERROR', '503')) : allOk(b)));
    s.add(3);
    await until(() => s.windowing.committable('t', 0) === 3);
    expect(s.calls).toHaveLength(2);
    expect(s.calls[0]).toBe(s.calls[1]);
    expect(await s.metrics.registry.metrics()).toMatch(/batch_retries_total\{action="ADD",code="DD_SERVER_ERROR"\} 1/);
  });

  it('dead-letters every event after the last attempt, with the code and the attempts', async () => {
    const s = setup(() => Promise.reject(new SyncError('DD_ADDRESS_BOOK_NOT_FOUND', 'gone')), 2);
    s.add(3);
    await until(() => s.windowing.committable('t', 0) === 3);
    expect(s.calls).toHaveLength(2);
    expect(s.published.map((p) => [p.errorCode, p.attempts])).toEqual(Array(3).fill(['DD_ADDRESS_BOOK_NOT_FOUND', 2]));
  });

  it('keeps retrying throttles without using up attempts', async () => {
    const s = setup((b, _s, attempt) => (attempt <= 4 ? Promise.reject(new SyncError('DD_RATE_LIMITED', '429')) : allOk(b)), 2);
    s.add(3);
    await until(() => s.windowing.committable('t', 0) === 3);
    expect(s.calls).toHaveLength(5);
    expect(s.published).toHaveLength(0);
  });

  it('abandons in-flight batches on stop: nothing becomes final', async () => {
    const s = setup((_b, signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))));
    s.add(3);
    await until(() => s.calls.length === 1);
    await s.scheduler.stop();
    expect(s.windowing.committable('t', 0)).toBe(0);
    expect(s.windowing.stats(Date.now()).inFlightBatches).toBe(0);
  });

  it('flush sends windows that are not due yet', async () => {
    const s = setup(allOk);
    s.add(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(s.calls).toHaveLength(0);
    expect(await s.scheduler.flush(Date.now() + 2000)).toBe(true);
    expect(s.windowing.committable('t', 0)).toBe(2);
    expect(s.calls[0]?.reason).toBe('flush');
  });

  it('never has more batches in flight than its concurrency', async () => {
    let inFlight = 0;
    let most = 0;
    const s = setup(async (b) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return b.entries.map(() => ({ ok: true as const }));
    });
    s.add(30);
    await until(() => s.windowing.committable('t', 0) === 30);
    expect(most).toBe(2);
  });
});
