import { randomUUID } from 'node:crypto';
import { DeadLetterQueue } from '../../../src/consumer/dead-letter-queue.js';
import type { DeadLetterSink } from '../../../src/consumer/dead-letter.js';
import { silentLogger } from '../../../src/logger.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';
import type { DeadLetterRecord, MembershipChange } from '../../../src/windowing/event.js';

export function change(email: string, action: 'ADD' | 'REMOVE' = 'ADD', connectorId = 'c1', addressBookId = 7): MembershipChange {
  return {
    eventId: randomUUID(),
    occurredAt: 0,
    connectorId,
    source: { kind: 'AUDIENCE', id: 'a', stepId: null },
    addressBookId,
    action,
    profile: { profileId: randomUUID(), email, contactId: null, mobileNumber: null },
  };
}

/** A dead-letter queue over an in-memory sink whose acknowledgements the test controls. */
export function memoryDlq(metrics: Metrics = createMetrics()) {
  const published: DeadLetterRecord[] = [];
  let open = true;
  const sink: DeadLetterSink = {
    publish: (records) => {
      if (!open) return Promise.reject(new Error('broker down'));
      published.push(...records);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  const dlq = new DeadLetterQueue(sink, metrics, silentLogger(), { lingerMs: 1, retryBaseMs: 5 });
  return { dlq, published, setOpen: (v: boolean) => (open = v) };
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

export async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await tick(2);
  }
}
