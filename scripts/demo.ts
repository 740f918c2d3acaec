/**
 * `npm run demo`: the whole service on the local stack (started if needed) against the embedded
 * DotDigital sandbox. Produces membership changes — adds, enter-then-exit churn, a few bad
 * records — runs the real service until every offset is committed, then shows what DotDigital
 * (the sandbox) holds, the calls it took, and the dead letters with their codes.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startSandbox } from '../src/sandbox/index.js';
import { startService } from '../src/service.js';
import type { MembershipChange } from '../src/windowing/event.js';

const root = new URL('..', import.meta.url);
const say = (line: string) => void process.stdout.write(`${line}\n`);

function stackEnv(): Record<string, string> {
  execFileSync(process.execPath, [new URL('scripts/stack.mjs', root).pathname, 'up'], { stdio: 'inherit' });
  const env: Record<string, string> = {};
  for (const line of readFileSync(new URL('.stack/env', root), 'utf8').split('\n')) {
    const m = /^(?:export\s+)?([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

const change = (addressBookId: number, action: 'ADD' | 'REMOVE', email: string | null, kind: 'AUDIENCE' | 'JOURNEY' = 'AUDIENCE'): MembershipChange => ({
  eventId: randomUUID(),
  occurredAt: Date.now(),
  connectorId: 'demo',
  source: { kind, id: kind === 'AUDIENCE' ? 'high-value-customers' : 'welcome-journey', stepId: kind === 'JOURNEY' ? 'step-1' : null },
  addressBookId,
  action,
  profile: { profileId: randomUUID(), email, contactId: null, mobileNumber: null },
});

async function main(): Promise<void> {
  const stack = stackEnv();
  const sandbox = await startSandbox({ importDelayMs: 400, deletionDelayMs: 200 });
  const account = sandbox.inspect().accounts.find((a) => a.id === 410001);
  const book = (name: string) => account?.books.find((b) => b.name === name)?.id ?? 0;
  const newsletter = book('Newsletter');
  const welcome = book('Welcome journey');
  const run = Date.now().toString(36);
  const topic = `demo-${run}.membership-changes`;
  const dlq = `demo-${run}.membership-changes.dlq`;
  const kafka = new Kafka({ clientId: 'demo', brokers: (stack.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }, { topic: dlq, numPartitions: 1 }], waitForLeaders: true });

  const dir = new URL('.stack/demo/', root);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('connectors.yaml', dir), 'connectors:\n  - id: demo\n    name: Demo account (r2)\n    username: apiuser-demo@apiconnector.com\n    passwordEnv: DEMO_DOTDIGITAL_PASSWORD\n');
  const env: Record<string, string> = {
    ...stack,
    DEMO_DOTDIGITAL_PASSWORD: 'demo-password-1',
    KAFKA_TOPICS: topic,
    KAFKA_DEAD_LETTER_TOPIC: dlq,
    KAFKA_GROUP_ID: `demo-${run}`,
    REDIS_KEY_PREFIX: `demo-${run}:`,
    WINDOW_MS: '3000',
    COMMIT_INTERVAL_MS: '500',
    DOTDIGITAL_R1_BASE_URL: sandbox.r1BaseUrl,
    DOTDIGITAL_ALLOW_ANY_HOST: 'true',
    DOTDIGITAL_POLL_INITIAL_MS: '200',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    ADMIN_TOKEN: 'demo-admin-token',
    CONNECTORS_FILE: new URL('connectors.yaml', dir).pathname,
  };
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
  const service = await startService(loadConfig(env), logger, env);
  say(`\nservice up: http://127.0.0.1:${service.httpPort}/metrics  /status (Bearer demo-admin-token)`);
  say(`sandbox (stands in for DotDigital): ${sandbox.r1BaseUrl}  control: ${sandbox.controlUrl}`);

  const events: (MembershipChange | Buffer)[] = [];
  for (let i = 0; i < 1500; i++) events.push(change(newsletter, 'ADD', `customer${i}@example.com`));
  for (let i = 0; i < 300; i++) events.push(change(welcome, 'ADD', `newbie${i}@example.com`, 'JOURNEY'));
  for (let i = 0; i < 200; i++) events.push(change(newsletter, 'REMOVE', `customer${i}@example.com`)); // enter then exit
  events.push(change(newsletter, 'ADD', 'suppressed@example.com'), change(newsletter, 'ADD', 'not-an-email'));
  events.push(Buffer.from('{"not":"avro"}'), change(newsletter, 'ADD', null));
  const registry = new SchemaRegistry({ host: stack.SCHEMA_REGISTRY_URL ?? '' });
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: readFileSync(new URL('schemas/membership-change.avsc', root), 'utf8') }, { subject: `${topic}-value` });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const messages = await Promise.all(events.map(async (e) => (Buffer.isBuffer(e) ? { key: 'demo', value: e } : { key: e.connectorId, value: await registry.encode(id, e) })));
  const started = Date.now();
  await producer.send({ topic, messages });
  await producer.disconnect();
  say(`produced ${events.length} membership changes to ${topic} (1500 adds, 300 journey adds, 200 enter-then-exit removes, 4 bad)`);

  const committed = async () => (await admin.fetchOffsets({ groupId: env.KAFKA_GROUP_ID ?? '', topics: [topic] }))[0]?.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) ?? 0;
  let last = -1;
  for (;;) {
    const c = await committed();
    if (c !== last) say(`  committed ${c}/${events.length} offsets (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    last = c;
    if (c >= events.length) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const status = (await (await fetch(`http://127.0.0.1:${service.httpPort}/status`, { headers: { authorization: 'Bearer demo-admin-token' } })).json()) as { outcomes: unknown };
  await service.stop(true);

  const view = sandbox.inspect();
  say('\nDotDigital (sandbox) now holds:');
  for (const b of view.accounts.find((a) => a.id === 410001)?.books ?? []) say(`  ${b.name.padEnd(18)} ${b.members.length} contacts`);
  say('calls made:');
  for (const c of view.calls.counts) say(`  ${c.operation.padEnd(22)} scope=${c.scope.padEnd(14)} status=${c.status}  ×${c.count}`);
  say(`per-connector outcomes (/status): ${JSON.stringify(status.outcomes)}`);
  say(`dead letters are on ${dlq}; offsets all committed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await admin.deleteTopics({ topics: [topic, dlq] });
  await admin.disconnect();
  await sandbox.close();
  say('\ndone. The local stack is still up: npm run stack:down stops it.');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
