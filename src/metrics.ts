/**
 * Every metric of the service, in one place. Prometheus naming: base units, `_total` for
 * counters. Labels are low-cardinality enums only: never an account id, connector id,
 * address book id or email (per-connector detail lives in the /status API).
 * Each process builds one Metrics on its own Registry so tests can build isolated ones.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const PREFIX = 'dotdigital_sync_';

export function createMetrics(options: { registry?: Registry; defaultMetrics?: boolean } = {}) {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const r = [registry];

  const m = {
    registry,

    // consumer and pipeline
    recordsConsumed: new Counter({ name: `${PREFIX}records_consumed_total`, help: 'Kafka records handed to the service.', labelNames: ['topic'] as const, registers: r }),
    recordsRejected: new Counter({ name: `${PREFIX}records_rejected_total`, help: 'Records rejected before windowing (undecodable or invalid), by error code.', labelNames: ['code'] as const, registers: r }),
    deadLetters: new Counter({ name: `${PREFIX}dead_letters_total`, help: 'Dead-letter records acknowledged by Kafka, by error code.', labelNames: ['code'] as const, registers: r }),
    eventsCoalesced: new Counter({ name: `${PREFIX}events_coalesced_total`, help: 'Events replaced by a later event for the same contact and book while buffered.', registers: r }),
    bufferedEntries: new Gauge({ name: `${PREFIX}buffered_entries`, help: 'Contacts held in open or waiting windows.', registers: r }),
    oldestBufferedAge: new Gauge({ name: `${PREFIX}oldest_buffered_age_seconds`, help: 'Age of the oldest buffered entry (since first consumed).', registers: r }),
    oldestUncommittedAge: new Gauge({ name: `${PREFIX}oldest_uncommitted_age_seconds`, help: 'Age of the oldest consumed offset that is not yet final.', registers: r }),
    consumerPaused: new Gauge({ name: `${PREFIX}consumer_paused`, help: '1 while fetching is paused by backpressure.', registers: r }),
    rebalances: new Counter({ name: `${PREFIX}rebalances_total`, help: 'Group rebalances (new assignments) seen by this member.', registers: r }),
    commitLag: new Gauge({ name: `${PREFIX}commit_lag_records`, help: 'Records between the high watermark and the committable offset, per owned partition (partition number, not an id).', labelNames: ['topic', 'partition'] as const, registers: r }),
    offsetsCommitted: new Counter({ name: `${PREFIX}offset_commits_total`, help: 'Offset commits sent, by result.', labelNames: ['result'] as const, registers: r }),
    batchesSent: new Counter({ name: `${PREFIX}batches_total`, help: 'Batches finished, by action, close reason and outcome.', labelNames: ['action', 'reason', 'outcome'] as const, registers: r }),
    batchSize: new Histogram({ name: `${PREFIX}batch_size_contacts`, help: 'Contacts per batch sent.', labelNames: ['action'] as const, buckets: [1, 10, 50, 100, 250, 500, 750, 1000], registers: r }),
    batchDuration: new Histogram({ name: `${PREFIX}batch_duration_seconds`, help: 'From send start to final outcome of a batch, rate-limit waits included.', labelNames: ['action'] as const, buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600], registers: r }),
    batchRetries: new Counter({ name: `${PREFIX}batch_retries_total`, help: 'Batch attempts that failed with a retryable error, by action and code.', labelNames: ['action', 'code'] as const, registers: r }),
    contactsSynced: new Counter({ name: `${PREFIX}contacts_total`, help: 'Per-contact outcomes, by action and outcome (success, dead_letter).', labelNames: ['action', 'outcome'] as const, registers: r }),
    connectorsDegraded: new Gauge({ name: `${PREFIX}connectors_degraded`, help: 'Connectors whose last batch failed with a connector-wide error.', registers: r }),

    // DotDigital client
    apiRequests: new Counter({ name: `${PREFIX}api_requests_total`, help: 'DotDigital HTTP requests, by operation class and status (or "error" when no answer).', labelNames: ['operation', 'status'] as const, registers: r }),
    apiRequestDuration: new Histogram({ name: `${PREFIX}api_request_duration_seconds`, help: 'DotDigital HTTP request time, rate-limit waits excluded.', labelNames: ['operation'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 121], registers: r }),
    apiJobPolls: new Counter({ name: `${PREFIX}api_job_polls_total`, help: 'Status polls of asynchronous DotDigital jobs, by job kind (import, deletion).', labelNames: ['kind'] as const, registers: r }),
    contactIdCache: new Counter({ name: `${PREFIX}contact_id_cache_total`, help: 'Contact id look-ups for removals, by result (hit, miss).', labelNames: ['result'] as const, registers: r }),

    // account-wide rate limits
    rateLimitGranted: new Counter({ name: `${PREFIX}ratelimit_tokens_granted_total`, help: 'Rate-limit tokens granted, by scope and operation class.', labelNames: ['scope', 'operation'] as const, registers: r }),
    rateLimitWait: new Histogram({ name: `${PREFIX}ratelimit_wait_seconds`, help: 'Time spent waiting for a rate-limit token.', labelNames: ['scope', 'operation'] as const, buckets: [0, 0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120], registers: r }),
    rateLimit429: new Counter({ name: `${PREFIX}ratelimit_429_total`, help: '429 answers received from DotDigital, by scope and operation class.', labelNames: ['scope', 'operation'] as const, registers: r }),
    rateLimitCooldowns: new Counter({ name: `${PREFIX}ratelimit_cooldowns_total`, help: 'Account-wide cool-downs started, by scope and reason (429, remaining_zero, flat_rate_cap).', labelNames: ['scope', 'reason'] as const, registers: r }),
    rateLimitFallback: new Gauge({ name: `${PREFIX}ratelimit_fallback_active`, help: '1 while Redis is unreachable and the local conservative limiter is in use.', registers: r }),
    rateLimitWaitExceeded: new Counter({ name: `${PREFIX}ratelimit_wait_exceeded_total`, help: 'Acquisitions that gave up after the maximum wait.', labelNames: ['scope', 'operation'] as const, registers: r }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
