/**
 * `dotdigital-sync backfill-estimate`: how long the consumer group's backlog (after a replay,
 * say) takes to reach DotDigital under the account's limits. Lag from the group's committed
 * offsets; the mix of adds and removes measured on a sample of the backlog (or given); the
 * arithmetic in backfill-plan.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { EXIT, type CommandSpec } from '../cli-args.js';
import { SyncError } from '../errors.js';
import { EventDecoder } from '../consumer/decoder.js';
import { createKafka } from '../consumer/kafka.js';
import { KafkaOffsetAdmin, type PartitionOffsets } from '../consumer/offset-admin.js';
import { createRegistrySchemaSource, type SchemaSource } from '../consumer/schema-source.js';
import type { Logger } from '../logger.js';
import { estimateBackfill, formatEstimate, lagOf, measuredShares, readPosition, SampleTally, type EstimateInput, type SampleStats } from './backfill-plan.js';
import { listOption } from './dlq-filter.js';
import { stderrProgress } from './progress.js';
import { Settings } from './settings.js';
import { rangeSize, readRange, requireTopics } from './topic-range.js';

export const DEFAULT_SAMPLE = 1000;
export const DEFAULT_POLLS_PER_JOB = 3;

interface TopicLag {
  readonly topic: string;
  readonly lag: number;
  readonly partitions: readonly PartitionOffsets[];
}

function number(values: Readonly<Record<string, unknown>>, name: string, min: number, max = Infinity, integer = true): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const text = typeof v === 'string' ? v.trim() : '';
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new SyncError('USAGE', `--${name} must be ${integer ? 'an integer' : 'a number'} from ${min}${max === Infinity ? '' : ` to ${max}`}, got "${text}"`);
  }
  return n;
}

async function lags(admin: KafkaOffsetAdmin, group: string, topics: readonly string[], fromBeginning: boolean): Promise<TopicLag[]> {
  const out: TopicLag[] = [];
  for (const topic of topics) {
    const partitions = await admin.offsets(group, topic);
    out.push({ topic, lag: lagOf(partitions, fromBeginning), partitions });
  }
  return out;
}

/** Reads up to `size` records of the backlog, spread over the partitions that have one; nothing is committed. */
export async function sampleBacklog(kafka: Kafka, schemas: SchemaSource, logger: Logger, group: string, topics: readonly TopicLag[], fromBeginning: boolean, size: number): Promise<SampleStats> {
  const tally = new SampleTally();
  const behind = topics.flatMap((t) => t.partitions.filter((p) => lagOf([p], fromBeginning) > 0).map((p) => ({ topic: t.topic, p })));
  if (behind.length === 0 || size === 0) return tally.stats();
  const quota = Math.ceil(size / behind.length);
  const decoder = new EventDecoder({ source: schemas, unknownSchemaAttempts: 1 });
  const ranges = topics.map((t) => {
    const start = new Map<number, number>();
    const end = new Map<number, number>();
    for (const { p } of behind.filter((b) => b.topic === t.topic)) {
      const from = readPosition(p, fromBeginning);
      start.set(p.partition, from);
      end.set(p.partition, Math.min(p.high, from + quota));
    }
    return { topic: t.topic, start, end };
  });
  const progress = stderrProgress('sampling', ranges.reduce((a, r) => a + rangeSize(r.start, r.end), 0));
  try {
    for (const r of ranges) {
      await readRange(kafka, logger, {
        topic: r.topic,
        groupId: `${group}-estimate-${randomBytes(6).toString('hex')}`,
        start: r.start,
        end: r.end,
        commit: false,
        onBatch: async (_partition, messages) => {
          for (const m of messages) {
            const result = await decoder.decode(m.value);
            tally.add(result.ok ? result.event : null);
          }
          progress.update(tally.stats().records);
        },
      });
    }
  } finally {
    progress.finish(tally.stats().records);
  }
  return tally.stats();
}

export function backfillCommand(logger: Logger): CommandSpec {
  return {
    name: 'backfill-estimate',
    summary: 'Estimate batches, DotDigital calls and time to work off the group\'s backlog.',
    usage: `dotdigital-sync backfill-estimate [--group G] [--topic T]... [--sample N | --add-share F]
                                  [--add-per-minute N] [--remove-per-minute N] [--lookup-per-minute N]
                                  [--poll-per-minute N] [--batch-size N] [--polls-per-job N] [--json]

Backlog = the group's lag (high watermark − committed offset, per partition; a partition with no
commit counts from its start when KAFKA_FROM_BEGINNING, else not at all). After a replay, that
is what the replay re-reads. To cost a replay before doing it, move a scratch group (one with no
members) with \`replay --group SCRATCH ... --yes\` and run this with --group SCRATCH.

  --group G              consumer group (default: KAFKA_GROUP_ID)
  --topic T              topics (repeatable or a comma list; default: KAFKA_TOPICS)
  --sample N             decode up to N records of the backlog (spread over the partitions) to
                         measure the share of adds, of removes without contactId (look-ups) and
                         of records that would be dead-lettered (default ${DEFAULT_SAMPLE}; 0 = no sample:
                         every event an add, every remove a look-up). Needs SCHEMA_REGISTRY_URL.
  --add-share F          fraction of events that are adds, 0..1 (no sample unless --sample given)
  --add-per-minute N     import budget (default LIMIT_ADD_PER_MINUTE)
  --remove-per-minute N  bulk-delete budget (default LIMIT_REMOVE_PER_MINUTE)
  --lookup-per-minute N  contact look-up budget (default LIMIT_LOOKUP_PER_MINUTE)
  --poll-per-minute N    job-status poll budget (default LIMIT_POLL_PER_MINUTE)
  --batch-size N         contacts per batch (default MAX_BATCH_SIZE)
  --polls-per-job N      status polls per import or deletion (default ${DEFAULT_POLLS_PER_JOB})
  --json                 one JSON object on stdout instead of the table
Batches are taken as full (a backlog is read far faster than WINDOW_MS), at least one per
(connector, book, action) seen in the sample. Time per class = calls ÷ limit; the ETA is the
slowest class, with the sum if DotDigital counts the classes in one scope. One account assumed:
connectors on several accounts have separate budgets and finish sooner.
Exit codes: 0 done, 1 failed (Kafka or registry error), 2 bad arguments, 3 bad config (or a topic missing).`,
    options: {
      group: { type: 'string' },
      topic: { type: 'string', multiple: true },
      sample: { type: 'string' },
      'add-share': { type: 'string' },
      'add-per-minute': { type: 'string' },
      'remove-per-minute': { type: 'string' },
      'lookup-per-minute': { type: 'string' },
      'poll-per-minute': { type: 'string' },
      'batch-size': { type: 'string' },
      'polls-per-job': { type: 'string' },
      json: { type: 'boolean' },
    },
    async run(values) {
      const addShareFlag = number(values, 'add-share', 0, 1, false);
      const sample = number(values, 'sample', 0, 1_000_000) ?? (addShareFlag === undefined ? DEFAULT_SAMPLE : 0);
      const pollsPerJob = number(values, 'polls-per-job', 0, 1000) ?? DEFAULT_POLLS_PER_JOB;
      const settings = new Settings();
      const limit = (flag: string, env: string) => number(values, flag, 1) ?? settings.int(env);
      const perMinute = {
        add: limit('add-per-minute', 'LIMIT_ADD_PER_MINUTE'),
        remove: limit('remove-per-minute', 'LIMIT_REMOVE_PER_MINUTE'),
        lookup: limit('lookup-per-minute', 'LIMIT_LOOKUP_PER_MINUTE'),
        poll: limit('poll-per-minute', 'LIMIT_POLL_PER_MINUTE'),
      };
      const batchSize = number(values, 'batch-size', 1, 10_000) ?? settings.int('MAX_BATCH_SIZE');
      const kafkaSection = settings.kafka();
      const registry = sample > 0 ? settings.registry() : undefined;
      const kafkaConfig = settings.check(kafkaSection);
      const group = typeof values.group === 'string' ? values.group : kafkaConfig.groupId;
      const topics = listOption(values.topic) ?? [...kafkaConfig.topics];
      if (topics.length === 0) throw new SyncError('USAGE', '--topic needs a topic name');

      const kafka = createKafka(kafkaConfig, logger);
      await requireTopics(kafka, topics);
      const admin = new KafkaOffsetAdmin(kafka);
      let topicLags: TopicLag[];
      try {
        topicLags = await lags(admin, group, topics, kafkaConfig.fromBeginning);
      } finally {
        await admin.close();
      }
      const stats = registry === undefined ? undefined : await sampleBacklog(kafka, createRegistrySchemaSource(registry), logger, group, topicLags, kafkaConfig.fromBeginning, sample);
      const measured = stats === undefined ? undefined : measuredShares(stats);
      const lag = topicLags.reduce((a, t) => a + t.lag, 0);
      const input: EstimateInput = {
        events: lag * (measured?.sentShare ?? 1),
        addShare: addShareFlag ?? measured?.addShare ?? 1,
        lookupShare: measured?.lookupShare ?? 1,
        batchSize,
        pollsPerJob,
        perMinute,
        minBatches: measured?.minBatches,
      };
      const estimate = estimateBackfill(input);
      const out = (line: string) => void process.stdout.write(`${line}\n`);
      if (values.json === true) {
        out(JSON.stringify({ group, lag, topics: topicLags, sample: stats ?? null, input, estimate }));
        return EXIT.OK;
      }
      const sampled = stats === undefined ? undefined : `measured on ${stats.records} sampled record(s)`;
      if (stats !== undefined && stats.rejected > 0) out(`${stats.rejected} of ${stats.records} sampled record(s) would be dead-lettered`);
      const lines = formatEstimate(estimate, input, {
        group,
        lag,
        topics,
        addShareSource: addShareFlag !== undefined ? '--add-share' : measured?.addShare !== undefined ? (sampled ?? '') : stats === undefined ? 'assumed: no sample' : 'assumed: no event in the sample',
        lookupShareSource: measured?.lookupShare === undefined ? 'worst case' : (sampled ?? ''),
      });
      for (const line of lines) out(line);
      return EXIT.OK;
    },
  };
}
