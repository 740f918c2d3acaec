/**
 * `dotdigital-sync dlq redrive`: once the cause of dead letters is fixed (a connector added,
 * credentials rotated, a book re-created), re-publishes them to the input topic so the service
 * applies them. Reads the dead-letter topic up to its end as it was at start.
 *
 * Position: a fixed consumer group (default dotdigital-sync-redrive) remembers how far an
 * unfiltered redrive got, so the next one takes only newer letters. A filtered run (or a dry
 * run) never moves that position — letters it skipped stay ahead of it — and reads through a
 * throwaway group deleted afterwards. Re-publishing twice is harmless: adds and removes are
 * idempotent in effect.
 */
import { randomBytes } from 'node:crypto';
import { Partitioners, type Kafka } from 'kafkajs';
import { EXIT, type CommandSpec } from '../cli-args.js';
import { SyncError, toSyncError } from '../errors.js';
import { createKafka } from '../consumer/kafka.js';
import { KafkaOffsetAdmin, type PartitionOffsets } from '../consumer/offset-admin.js';
import { createRegistrySchemaSource, type SchemaSource } from '../consumer/schema-source.js';
import type { Logger } from '../logger.js';
import { hasFilter, judge, parseLetterFilter, Tally, type LetterFilter } from './dlq-filter.js';
import { DeadLetterDecoder, eventEncoder, toInputMessage, type InputMessage } from './dlq-letters.js';
import { stderrProgress, type Progress } from './progress.js';
import { consoleIo, type ReplayIo } from './replay.js';
import { Settings } from './settings.js';
import { rangeSize, readRange, requireTopics, type RangeMessage } from './topic-range.js';

export const DEFAULT_REDRIVE_GROUP = 'dotdigital-sync-redrive';

export interface RedriveArgs {
  readonly dlqTopic: string;
  readonly inputTopic: string;
  readonly group: string;
  readonly filter: LetterFilter;
  readonly fromBeginning: boolean;
  readonly dryRun: boolean;
  readonly yes: boolean;
}

export interface RedriveDeps {
  readonly kafka: Kafka;
  readonly schemas: SchemaSource;
  readonly io: ReplayIo;
  readonly logger: Logger;
  readonly progress: (label: string, total: number) => Progress;
}

/** Where reading starts per partition: the group's position (or the beginning), within the topic's range. */
export function redriveStart(offsets: readonly PartitionOffsets[], fromBeginning: boolean): Map<number, number> {
  return new Map(offsets.map((p) => [p.partition, fromBeginning || p.committed < 0 ? p.low : Math.min(Math.max(p.committed, p.low), p.high)]));
}

export async function redrive(deps: RedriveDeps, args: RedriveArgs): Promise<number> {
  const { io } = deps;
  await requireTopics(deps.kafka, args.dryRun ? [args.dlqTopic] : [args.dlqTopic, args.inputTopic]);
  const admin = new KafkaOffsetAdmin(deps.kafka);
  let offsets: PartitionOffsets[];
  try {
    offsets = await admin.offsets(args.group, args.dlqTopic);
    if (!args.dryRun) {
      const members = await admin.groupMemberCount(args.group);
      if (members > 0) {
        io.out(`refused: group ${args.group} has ${members} active member(s): another redrive is running`);
        return EXIT.REFUSED;
      }
    }
  } finally {
    await admin.close();
  }
  const start = redriveStart(offsets, args.fromBeginning);
  const end = new Map(offsets.map((p) => [p.partition, p.high]));
  const total = rangeSize(start, end);
  const commit = !args.dryRun && !hasFilter(args.filter);
  io.out(`${args.dlqTopic}: ${total} letter(s) to read ${args.fromBeginning ? 'from the beginning' : `from the position of group ${args.group}`} to the current end`);
  for (const p of offsets) io.out(`  partition ${p.partition}: ${start.get(p.partition) ?? p.low} .. ${p.high}`);
  if (total === 0) {
    io.out('nothing to redrive');
    return EXIT.OK;
  }
  if (!args.dryRun && !args.yes) {
    if (!io.interactive) {
      io.out('refused: not a terminal; pass --yes to re-publish, or --dry-run to only count');
      return EXIT.REFUSED;
    }
    if (!(await io.confirm(`re-publish the matching letters to ${args.inputTopic}?`))) {
      io.out('nothing re-published');
      return EXIT.REFUSED;
    }
  }

  const decoder = new DeadLetterDecoder(deps.schemas);
  const encode = eventEncoder(deps.schemas, args.inputTopic);
  const tally = new Tally();
  const producer = args.dryRun ? undefined : deps.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const progress = deps.progress(args.dryRun ? 'dlq redrive (dry run)' : 'dlq redrive', total);
  const detail = () => `${args.dryRun ? 'would re-publish' : 're-published'} ${tally.verdicts.redrive}`;
  const onBatch = async (partition: number, messages: readonly RangeMessage[]) => {
    const out: InputMessage[] = [];
    for (const m of messages) {
      const at = { topic: args.dlqTopic, partition, offset: m.offset };
      let letter;
      try {
        letter = await decoder.decode(m.value);
      } catch (err) {
        const e = toSyncError(err);
        if (e.code === 'REGISTRY_UNAVAILABLE') throw e;
        tally.unreadable();
        deps.logger.error({ ...at, code: e.code, err: e.message }, 'unreadable dead letter skipped');
        continue;
      }
      const verdict = judge(letter, args.filter);
      if (verdict === 'redrive' && producer !== undefined) out.push(await toInputMessage(letter, at, encode));
      tally.add(letter, verdict);
    }
    if (producer !== undefined && out.length > 0) {
      try {
        await producer.send({ topic: args.inputTopic, acks: -1, messages: out.map((m) => ({ ...m })) });
      } catch (err) {
        throw new SyncError('KAFKA_ERROR', `re-publishing to ${args.inputTopic} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    progress.update(tally.read, detail());
  };

  try {
    if (producer !== undefined) await producer.connect();
    const groupId = commit ? args.group : `${args.group}-tmp-${randomBytes(6).toString('hex')}`;
    await readRange(deps.kafka, deps.logger, { topic: args.dlqTopic, groupId, start, end, commit, onBatch });
  } finally {
    progress.finish(tally.read, detail());
    await producer?.disconnect();
  }
  for (const line of tally.lines(args.dryRun ? 'would re-publish' : 're-published')) io.out(line);
  if (args.dryRun) io.out('dry run: nothing published, no position moved');
  else if (commit) io.out(`group ${args.group} now at the end read; the next redrive takes only newer letters`);
  else io.out(`filters given: the position of group ${args.group} was not moved`);
  return tally.verdicts.unreadable > 0 ? EXIT.FAILED : EXIT.OK;
}

export function dlqCommand(logger: Logger): CommandSpec {
  return {
    name: 'dlq',
    summary: 'Re-publish dead letters to the input topic once their cause is fixed.',
    usage: `dotdigital-sync dlq redrive [--connector ID]... [--code CODE]... [--since ISO] [--until ISO]
                              [--topic T] [--group G] [--from-beginning] [--dry-run] [--yes]

Reads KAFKA_DEAD_LETTER_TOPIC up to its end as it is at start and re-publishes the letters that
match to the input topic: the original key and value bytes when the letter has them, else the
decoded event (rejected by DotDigital) encoded again with the membership-change schema, key =
its connectorId. Redriven records carry headers x-redrive-source, x-redrive-letter, x-redrive-code.

  --connector ID   only letters of these connectors (repeatable, or a comma list)
  --code CODE      only letters with these error codes (repeatable, or a comma list). Without it,
                   codes that fail again on the same bytes are skipped (DECODE_UNKNOWN_MAGIC_BYTE,
                   DECODE_FAILED, EVENT_INVALID, EVENT_NO_IDENTIFIER, EVENT_BAD_ADDRESS_BOOK)
  --since ISO      only letters that failed at or after this time (e.g. 2026-11-01T00:00:00Z)
  --until ISO      only letters that failed before this time
  --topic T        where to re-publish (default: the first of KAFKA_TOPICS)
  --group G        consumer group keeping the redrive position (default: ${DEFAULT_REDRIVE_GROUP})
  --from-beginning read from the start of the dead-letter topic, ignoring the position
  --dry-run        only count what would be re-published, per code and connector
  --yes            re-publish without asking (required when not on a terminal)
Position: an unfiltered run starts at the group's position and moves it to where it stopped,
so the next run takes only newer letters. Filtered runs and dry runs never move it.
Progress goes to stderr (a bar on a terminal, a line every 10 s otherwise).
Kafka from KAFKA_*; the schema registry from SCHEMA_REGISTRY_URL (and _USERNAME, _PASSWORD).
Exit codes: 0 done (or dry run, or nothing to do), 1 failed (Kafka or registry error, or some
letters unreadable), 2 bad arguments, 3 bad config (or a topic missing), 4 refused (not
confirmed, no --yes off a terminal, or another redrive holds the group).`,
    options: {
      connector: { type: 'string', multiple: true },
      code: { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
      topic: { type: 'string' },
      group: { type: 'string' },
      'from-beginning': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean' },
    },
    positionals: 1,
    async run(values, positionals) {
      if (positionals[0] !== 'redrive') throw new SyncError('USAGE', 'expected: dlq redrive');
      // parseArgs gives string[] for the `multiple` options, whatever CommandSpec's type says.
      const filter = parseLetterFilter(values);
      const settings = new Settings();
      const kafkaSection = settings.kafka();
      const registry = settings.registry();
      const kafkaConfig = settings.check(kafkaSection);
      const kafka = createKafka(kafkaConfig, logger);
      return redrive(
        { kafka, schemas: createRegistrySchemaSource(registry), io: consoleIo(), logger, progress: stderrProgress },
        {
          dlqTopic: kafkaConfig.deadLetterTopic,
          inputTopic: typeof values.topic === 'string' ? values.topic : (kafkaConfig.topics[0] ?? ''),
          group: typeof values.group === 'string' ? values.group : DEFAULT_REDRIVE_GROUP,
          filter,
          fromBeginning: values['from-beginning'] === true,
          dryRun: values['dry-run'] === true,
          yes: values.yes === true,
        },
      );
    },
  };
}
