import avro from 'avsc';
import { afterEach, describe, expect, it } from 'vitest';
import { EventDecoder, readReaderSchema } from '../../../src/consumer/decoder.js';
import { FailurePolicy } from '../../../src/consumer/failure-policy.js';
import type { InboundRecord } from '../../../src/consumer/group-member.js';
import { Pipeline } from '../../../src/consumer/pipeline.js';
import { Scheduler } from '../../../src/consumer/scheduler.js';
import type { SchemaSource } from '../../../src/consumer/schema-source.js';
import { StatusBoard } from '../../../src/consumer/status.js';
import { SyncError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { createMetrics } from '../../../src/metrics.js';
import { Windowing } from '../../../src/windowing/index.js';
import { change, memoryDlq, until } from './fixtures.js';

const reader = readReaderSchema();
const type = avro.Type.forSchema(reader as avro.Schema);
const scheds: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(scheds.splice(0).map((s) => s.stop()));
});

function wire(value: unknown): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), type.toBuffer(value)]);
}

function setup(opts: { registryDownFor?: number } = {}) {
  let down = opts.registryDownFor ?? 0;
  const source: SchemaSource = {
    writerType: () => (down-- > 0 ? Promise.reject(new SyncError('REGISTRY_UNAVAILABLE', 'down')) : Promise.resolve(type)),
    register: () => Promise.reject(new Error('unused')),
    encode: () => Promise.reject(new Error('unused')),
  };
  const windowing = new Windowing({ windowMs: 1_000_000, maxBatchSize: 1000, maxBufferedEntries: 3, resumeBufferedEntries: 1 });
  const metrics = createMetrics();
  const { dlq, published, setOpen } = memoryDlq(metrics);
  const status = new StatusBoard();
  const scheduler = new Scheduler(windowing, { send: (b) => Promise.resolve(b.entries.map(() => ({ ok: true as const }))) }, dlq, new FailurePolicy({ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, apiUsageBackoffMs: 1 }), status, metrics, silentLogger(), { concurrency: 1, idleMs: 5 });
  scheds.push(scheduler);
  const flow = { isPaused: false, pauses: 0, resumes: 0, pause() { this.isPaused = true; this.pauses++; }, resume() { this.isPaused = false; this.resumes++; } };
  const pipeline = new Pipeline({ windowing, decoder: new EventDecoder({ source }), knownConnector: (id) => id === 'c1', dlq, scheduler, status, metrics, logger: silentLogger(), flow, registryRetryMs: 1 });
  pipeline.onAssignment([{ topic: 't', partition: 0 }]);
  let heartbeats = 0;
  const feed = async (offset: number, value: Buffer | null, key = 'c1') => {
    const record: InboundRecord = { topic: 't', partition: 0, offset, key: Buffer.from(key), value, timestampMs: 0 };
    await pipeline.onRecord(record, () => (heartbeats++, Promise.resolve()));
  };
  return { windowing, pipeline, published, setOpen, flow, feed, metrics, heartbeats: () => heartbeats, scheduler };
}

describe('Pipeline', () => {
  it('buffers valid events and dead-letters invalid ones with their codes, raw bytes kept', async () => {
    const s = setup();
    await s.feed(0, wire(change('a@x.io')));
    await s.feed(1, Buffer.from('junk'));
    await s.feed(2, wire(change('b@x.io', 'ADD', 'stranger')));
    await s.feed(3, wire({ ...change('c@x.io'), profile: { profileId: 'p', email: null, contactId: null, mobileNumber: null } }));
    expect(s.windowing.stats(Date.now()).bufferedEntries).toBe(1);
    await until(() => s.published.length === 3);
    expect(s.published.map((p) => [p.offset, p.errorCode])).toEqual([[1, 'DECODE_UNKNOWN_MAGIC_BYTE'], [2, 'CONNECTOR_UNKNOWN'], [3, 'EVENT_NO_IDENTIFIER']]);
    expect(s.published[0]?.value?.toString()).toBe('junk');
    expect(s.published[1]?.event?.connectorId).toBe('stranger');
    // offset 0 is still buffered: nothing past it may be committed
    expect(s.windowing.committable('t', 0)).toBe(0);
    await s.scheduler.flush(Date.now() + 1000);
    expect(s.windowing.committable('t', 0)).toBe(4);
  });

  it('waits for the registry, heartbeating, instead of dead-lettering good records', async () => {
    const s = setup({ registryDownFor: 3 });
    await s.feed(0, wire(change('a@x.io')));
    expect(s.heartbeats()).toBeGreaterThanOrEqual(3);
    expect(s.published).toHaveLength(0);
    expect(s.windowing.stats(Date.now()).bufferedEntries).toBe(1);
    expect(s.pipeline.registryDown).toBe(false);
  });

  it('pauses above the high-water mark and resumes below the low one', async () => {
    const s = setup();
    for (let i = 0; i < 4; i++) await s.feed(i, wire(change(`u${i}@x.io`)));
    expect(s.flow.isPaused).toBe(true);
    expect(await s.metrics.registry.metrics()).toMatch(/consumer_paused 1/);
    await s.scheduler.flush(Date.now() + 1000);
    s.pipeline.checkFlow();
    expect(s.flow.isPaused).toBe(false);
    expect(s.flow.resumes).toBe(1);
  });

  it('drops the old generation on a new assignment', async () => {
    const s = setup();
    await s.feed(0, wire(change('a@x.io')));
    s.pipeline.onAssignment([{ topic: 't', partition: 0 }]);
    expect(s.windowing.stats(Date.now()).bufferedEntries).toBe(0);
    await s.feed(0, wire(change('a@x.io')));
    expect(s.windowing.stats(Date.now()).bufferedEntries).toBe(1);
  });
});
