/**
 * `dotdigital-sync replay`: moves a consumer group's committed offsets back (or forward) so the
 * service re-reads a topic — the backfill tool. Refuses while the group has members: Kafka
 * ignores offset changes of an active group, and a running member would commit over them.
 */
import { createInterface } from 'node:readline/promises';
import { EXIT, requireString, type CommandSpec } from '../cli-args.js';
import { loadKafkaConfig } from '../config.js';
import { SyncError } from '../errors.js';
import { createKafka } from '../consumer/kafka.js';
import { KafkaOffsetAdmin, type OffsetAdmin } from '../consumer/offset-admin.js';
import type { Logger } from '../logger.js';
import { parseOffsetList, parseTimestamp, planReplay, type PlanRow, type ReplayTarget } from './replay-plan.js';

export interface ReplayIo {
  readonly out: (line: string) => void;
  readonly interactive: boolean;
  readonly confirm: (question: string) => Promise<boolean>;
}

export function consoleIo(): ReplayIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    interactive: process.stdin.isTTY && process.stdout.isTTY,
    confirm: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    },
  };
}

export function targetFrom(values: Record<string, string | boolean | (string | boolean)[] | undefined>): ReplayTarget {
  const chosen = ['to-earliest', 'to-timestamp', 'to-offset'].filter((k) => values[k] !== undefined && values[k] !== false);
  if (chosen.length !== 1) throw new SyncError('USAGE', 'give exactly one of --to-earliest, --to-timestamp, --to-offset');
  if (values['to-earliest'] === true) return { kind: 'earliest' };
  if (typeof values['to-timestamp'] === 'string') return { kind: 'timestamp', timestampMs: parseTimestamp(values['to-timestamp']) };
  return { kind: 'offsets', offsets: parseOffsetList(requireString(values, 'to-offset')) };
}

export function formatPlan(rows: readonly PlanRow[]): string[] {
  const lines = ['partition  committed      target   lag-before    lag-after'];
  for (const r of rows) {
    lines.push(`${String(r.partition).padStart(9)}  ${String(r.committed < 0 ? '-' : r.committed).padStart(9)}  ${String(r.target).padStart(10)}  ${String(r.lagBefore).padStart(11)}  ${String(r.lagAfter).padStart(11)}`);
  }
  const sum = (f: (r: PlanRow) => number) => rows.reduce((a, r) => a + f(r), 0);
  lines.push(`total lag: ${sum((r) => r.lagBefore)} before, ${sum((r) => r.lagAfter)} after`);
  return lines;
}

export async function replay(admin: OffsetAdmin, io: ReplayIo, args: { group: string; topic: string; target: ReplayTarget; dryRun: boolean; yes: boolean }): Promise<number> {
  const members = await admin.groupMemberCount(args.group);
  if (members > 0) {
    io.out(`refused: group ${args.group} has ${members} active member(s); stop the service (scale to 0) first`);
    return EXIT.REFUSED;
  }
  const current = await admin.offsets(args.group, args.topic);
  if (current.length === 0) throw new SyncError('USAGE', `topic ${args.topic} does not exist or has no partitions`);
  const at = args.target.kind === 'timestamp' ? await admin.offsetsAt(args.topic, args.target.timestampMs) : undefined;
  const rows = planReplay(current, args.target, at);
  io.out(`${args.dryRun ? 'dry run: would set' : 'setting'} offsets of group ${args.group} on ${args.topic}:`);
  for (const line of formatPlan(rows)) io.out(line);
  if (args.dryRun) return EXIT.OK;
  if (!args.yes) {
    if (!io.interactive) {
      io.out('refused: not a terminal; pass --yes to apply, or --dry-run to only look');
      return EXIT.REFUSED;
    }
    if (!(await io.confirm('apply these offsets?'))) {
      io.out('nothing changed');
      return EXIT.REFUSED;
    }
  }
  await admin.setOffsets(args.group, args.topic, new Map(rows.map((r) => [r.partition, r.target])));
  const after = await admin.offsets(args.group, args.topic);
  io.out('offsets now:');
  for (const p of after) io.out(`${String(p.partition).padStart(9)}  committed ${p.committed}  lag ${Math.max(0, p.high - (p.committed < 0 ? p.low : p.committed))}`);
  return EXIT.OK;
}

export function replayCommand(logger: Logger): CommandSpec {
  return {
    name: 'replay',
    summary: 'Move a consumer group\'s offsets to replay a topic (backfill).',
    usage: `dotdigital-sync replay --group G --topic T (--to-earliest | --to-timestamp ISO | --to-offset p:o,...) [--dry-run] [--yes]

  --group G           consumer group (default: KAFKA_GROUP_ID)
  --topic T           topic (default: the first of KAFKA_TOPICS)
  --to-earliest       every partition to its earliest offset
  --to-timestamp ISO  every partition to its first record at or after the time (e.g. 2026-11-01T00:00:00Z)
  --to-offset p:o,..  the named partitions to the given offsets; others unchanged
  --dry-run           print the plan (offsets and lag before/after) and change nothing
  --yes               apply without asking (required when not on a terminal)
Kafka connection from KAFKA_BROKERS, KAFKA_SSL*, KAFKA_SASL_*.
Exit codes: 0 done (or dry run), 1 failed, 2 bad arguments, 3 bad config, 4 refused (group active, or not confirmed).`,
    options: {
      group: { type: 'string' },
      topic: { type: 'string' },
      'to-earliest': { type: 'boolean' },
      'to-timestamp': { type: 'string' },
      'to-offset': { type: 'string' },
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean' },
    },
    async run(values) {
      const target = targetFrom(values);
      const kafkaConfig = loadKafkaConfig();
      const group = typeof values.group === 'string' ? values.group : kafkaConfig.groupId;
      const topic = typeof values.topic === 'string' ? values.topic : (kafkaConfig.topics[0] ?? '');
      const admin = new KafkaOffsetAdmin(createKafka(kafkaConfig, logger));
      try {
        return await replay(admin, consoleIo(), { group, topic, target, dryRun: values['dry-run'] === true, yes: values.yes === true });
      } finally {
        await admin.close();
      }
    },
  };
}
