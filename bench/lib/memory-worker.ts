/**
 * One measurement of the memory benchmark (bench/service-memory.ts), in a fresh process so that
 * nothing of an earlier run is counted: the service's consuming half (bench/lib/pipeline.ts)
 * reads the whole topic into open windows that do not close (windows of 20 minutes, fewer
 * entries per window than a batch), then reports process.memoryUsage() as it is, and again after
 * two full collections.
 *
 *   node --import tsx --expose-gc bench/lib/memory-worker.ts '{"topic":...,"groupId":...,"events":n}'
 */
import type { BatchSender } from '../../src/consumer/sender.js';
import { BenchPipeline } from './pipeline.js';

interface Config {
  readonly topic: string;
  readonly groupId: string;
  readonly events: number;
}

export interface MemoryFigures {
  readonly rssMB: number;
  readonly heapUsedMB: number;
  readonly heapTotalMB: number;
  readonly externalMB: number;
  readonly arrayBuffersMB: number;
}

export interface MemoryReport {
  readonly baseline: MemoryFigures;
  readonly buffered: MemoryFigures;
  readonly afterGc: MemoryFigures;
  readonly bufferedEntries: number;
  readonly batchesSent: number;
  readonly seconds: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
function figures(): MemoryFigures {
  const m = process.memoryUsage();
  return {
    rssMB: mb(m.rss),
    heapUsedMB: mb(m.heapUsed),
    heapTotalMB: mb(m.heapTotal),
    externalMB: mb(m.external),
    arrayBuffersMB: mb(m.arrayBuffers),
  };
}

let batchesSent = 0;
const counting: BatchSender = {
  send: (batch) => {
    batchesSent++;
    return Promise.resolve(batch.entries.map(() => ({ ok: true as const })));
  },
};

gc();
const baseline = figures();
const started = performance.now();
const pipeline = new BenchPipeline({
  topic: config.topic,
  groupId: config.groupId,
  sender: counting,
  // Room for every profile: the service's default high-water mark (500,000) would pause fetching first.
  windowing: { maxBufferedEntries: config.events + 1, resumeBufferedEntries: config.events },
});
await pipeline.start();
await pipeline.handedOver(config.events);
const buffered = figures();
gc();
gc();
const afterGc = figures();
const report: MemoryReport = {
  baseline,
  buffered,
  afterGc,
  bufferedEntries: pipeline.windowing.stats(Date.now()).bufferedEntries,
  batchesSent,
  seconds: Math.round((performance.now() - started) / 100) / 10,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
await pipeline.stop();
