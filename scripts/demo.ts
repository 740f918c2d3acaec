/**
 * `npm run demo`: the whole service on the local stack (started if needed) against the embedded
 * DotDigital sandbox. Three connectors (two API users of one account, one of another region),
 * audiences and journeys, enters and exits, a few bad records; the real service runs with short
 * windows until every offset is committed; then a table per address book compares the expected
 * members with what the sandbox holds. Exits 0 only when every book matches.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { filterKnownWarnings } from '../src/node-warnings.js';
import { startSandbox } from '../src/sandbox/index.js';
import { startService } from '../src/service.js';
import type { MembershipChange } from '../src/windowing/event.js';

const root = new URL('..', import.meta.url);
const say = (line: string) => void process.stdout.write(`${line}\n`);
type Item = MembershipChange | { raw: Buffer; key: string };

function stackEnv(): Record<string, string> {
  execFileSync(process.execPath, [new URL('scripts/stack.mjs', root).pathname, 'up'], { stdio: 'inherit' });
  const env: Record<string, string> = {};
  for (const line of readFileSync(new URL('.stack/env', root), 'utf8').split('\n')) {
    const m = /^(?:export\s+)?([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

const CONNECTORS = `connectors:
  - id: shop            # account 410001 (r2: region detection has work to do)
    name: Shop audiences
    username: apiuser-demo@apiconnector.com
    passwordEnv: DEMO_PW_SHOP
  - id: journeys        # the same account, another API user: one shared rate-limit budget
    name: Lifecycle journeys
    username: apiuser-demo2@apiconnector.com
    passwordEnv: DEMO_PW_JOURNEYS
  - id: europe          # account 410002 (r1)
    name: Europe newsletter
    username: apiuser-eu@apiconnector.com
    passwordEnv: DEMO_PW_EUROPE
`;

async function main(): Promise<void> {
  filterKnownWarnings();
  const stack = stackEnv();
  const sandbox = await startSandbox({ importDelayMs: 400, deletionDelayMs: 200 });
  const bookOf = (account: number, name: string) => sandbox.inspect().accounts.find((a) => a.id === account)?.books.find((b) => b.name === name)?.id ?? 0;
  const books = {
    newsletter: bookOf(410001, 'Newsletter'),
    vip: bookOf(410001, 'VIP customers'),
    welcome: bookOf(410001, 'Welcome journey'),
    winback: bookOf(410001, 'Win-back journey'),
    euNewsletter: bookOf(410002, 'Newsletter'),
  };
  const run = Date.now().toString(36);
  const topic = `demo-${run}.membership-changes`;
  const dlq = `${topic}.dlq`;
  const kafka = new Kafka({ clientId: 'demo', brokers: (stack.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }, { topic: dlq, numPartitions: 1 }], waitForLeaders: true });
  const dir = new URL('.stack/demo/', root);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('connectors.yaml', dir), CONNECTORS);
  const env: Record<string, string> = {
    ...stack,
    DEMO_PW_SHOP: 'demo-password-1',
    DEMO_PW_JOURNEYS: 'demo-password-2',
    DEMO_PW_EUROPE: 'demo-password-3',
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
  const service = await startService(loadConfig(env), createLogger({ level: process.env.LOG_LEVEL ?? 'error' }), env);
  say(`\nservice up: http://127.0.0.1:${service.httpPort}/metrics and /status (Bearer demo-admin-token)`);
  say(`DotDigital sandbox: ${sandbox.r1BaseUrl} (control: ${sandbox.controlUrl})`);

  const change = (connectorId: string, book: number, action: 'ADD' | 'REMOVE', email: string | null, journey = false): MembershipChange => ({
    eventId: randomUUID(),
    occurredAt: Date.now(),
    connectorId,
    source: journey ? { kind: 'JOURNEY', id: 'lifecycle', stepId: book === books.welcome ? 'welcome' : 'win-back' } : { kind: 'AUDIENCE', id: `audience-${book}`, stepId: null },
    addressBookId: book,
    action,
    profile: { profileId: randomUUID(), email, contactId: null, mobileNumber: null },
  });
  const range = (n: number, f: (i: number) => Item) => Array.from({ length: n }, (_, i) => f(i));
  const phase1: Item[] = [
    ...range(1000, (i) => change('shop', books.newsletter, 'ADD', `customer${i}@example.com`)),
    ...range(150, (i) => change('shop', books.newsletter, 'REMOVE', `customer${i}@example.com`)), // enter, then exit in the same window
    ...range(200, (i) => change('shop', books.vip, 'ADD', `vip${i}@example.com`)),
    ...range(300, (i) => change('journeys', books.welcome, 'ADD', `new${i}@example.com`, true)),
    ...range(200, (i) => change('journeys', books.winback, 'ADD', `lapsed${i}@example.com`, true)),
    ...range(300, (i) => change('europe', books.euNewsletter, 'ADD', `kunde${i}@example.de`)),
    change('shop', books.vip, 'ADD', 'suppressed@example.com'),
    change('shop', books.vip, 'ADD', 'not-an-email'),
    { raw: Buffer.from('{"not":"avro"}'), key: 'shop' },
    change('europe', books.euNewsletter, 'ADD', null),
  ];
  // Later, in other windows: 50 win-back contacts leave (removed by their cached contact ids).
  const phase2: Item[] = range(50, (i) => change('journeys', books.winback, 'REMOVE', `lapsed${i}@example.com`, true));

  const registry = new SchemaRegistry({ host: stack.SCHEMA_REGISTRY_URL ?? '' });
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: readFileSync(new URL('schemas/membership-change.avsc', root), 'utf8') }, { subject: `${topic}-value` });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const send = async (items: readonly Item[]) =>
    producer.send({ topic, messages: await Promise.all(items.map(async (e) => ('raw' in e ? { key: e.key, value: e.raw } : { key: e.connectorId, value: await registry.encode(id, e) }))) });
  const committed = async () => (await admin.fetchOffsets({ groupId: env.KAFKA_GROUP_ID ?? '', topics: [topic] }))[0]?.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) ?? 0;
  const started = Date.now();
  const waitCommitted = async (total: number) => {
    for (let last = -1; ; ) {
      const c = await committed();
      if (c !== last) say(`  committed ${String(c).padStart(4)}/${total} offsets  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      last = c;
      if (c >= total) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  await send(phase1);
  say(`produced ${phase1.length} changes from 3 connectors (adds, enter-then-exit, 4 bad records)`);
  await waitCommitted(phase1.length);
  await send(phase2);
  say(`produced ${phase2.length} exits from the win-back journey`);
  await waitCommitted(phase1.length + phase2.length);
  const status = (await (await fetch(`http://127.0.0.1:${service.httpPort}/status`, { headers: { authorization: 'Bearer demo-admin-token' } })).json()) as { outcomes: Record<string, { deadLettered: Record<string, number> }> };
  await service.stop(true);

  // Expected: the last change per (book, contact) in production order, less what DotDigital rejects.
  const last = new Map<string, 'ADD' | 'REMOVE'>();
  for (const e of [...phase1, ...phase2]) if (!('raw' in e) && e.profile.email !== null) last.set(`${e.addressBookId}|${e.profile.email}`, e.action);
  const rejected = new Set(['suppressed@example.com', 'not-an-email']);
  const view = sandbox.inspect();
  let ok = true;
  say('\naddress book                     expected  actual');
  for (const account of view.accounts) {
    for (const b of account.books) {
      const expected = [...last].filter(([k, a]) => a === 'ADD' && k.startsWith(`${b.id}|`) && !rejected.has(k.slice(k.indexOf('|') + 1))).map(([k]) => k.slice(k.indexOf('|') + 1)).sort();
      const actual = b.members.map((m) => m.email ?? '').sort();
      const same = expected.length === actual.length && expected.every((e, i) => e === actual[i]);
      ok &&= same;
      say(`  ${`${b.name} (${account.id})`.padEnd(30)} ${String(expected.length).padStart(8)} ${String(actual.length).padStart(7)}  ${same ? 'ok' : 'MISMATCH'}`);
    }
  }
  say('\nDotDigital calls:');
  for (const c of view.calls.counts) say(`  ${c.operation.padEnd(24)} scope=${c.scope.padEnd(14)} status=${c.status}  ×${c.count}`);
  say('\ndead letters by connector and code (also on the topic ' + dlq + '):');
  for (const [connector, s] of Object.entries(status.outcomes)) for (const [code, n] of Object.entries(s.deadLettered)) say(`  ${connector.padEnd(10)} ${code.padEnd(28)} ${n}`);
  say(`\nall offsets committed in ${((Date.now() - started) / 1000).toFixed(1)} s; ${ok ? 'every address book matches' : 'SOME ADDRESS BOOKS DO NOT MATCH'}`);
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic, dlq] });
  await admin.disconnect();
  await sandbox.close();
  say('The local stack is still up: npm run stack:down stops it.');
  if (!ok) throw new Error('expected and actual members differ');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
