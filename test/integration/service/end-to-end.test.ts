/**
 * The whole service against the real local stack and the DotDigital sandbox: events in, address
 * books changed, bad records dead-lettered with codes, every offset committed once final.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { startService, type RunningService } from '../../../src/service.js';
import { committedTotal, createTopic, deleteTopics, testKafka } from '../helpers/kafka.js';
import { event, produce, readAll, testRegistry, waitFor } from '../helpers/events.js';
import { bookId, cleanupRedis, getJson, members, serviceFixture } from '../helpers/service.js';
import { uniqueName } from '../helpers/stack-env.js';

const kafka = testKafka('e2e');
const topic = uniqueName('e2e-in');
const dlqTopic = uniqueName('e2e-dlq');
let sandbox: Sandbox;
let service: RunningService | undefined;
let env: Record<string, string>;
let group: string;

beforeAll(async () => {
  sandbox = await startSandbox({ importDelayMs: 50, deletionDelayMs: 50 });
  await createTopic(kafka, topic, 3);
  await createTopic(kafka, dlqTopic, 1);
  env = serviceFixture(sandbox, topic, dlqTopic, { ADMIN_TOKEN: 'e2e-token' }).env;
  group = env.KAFKA_GROUP_ID!;
});

afterAll(async () => {
  await service?.stop(false);
  await sandbox.close();
  await deleteTopics(kafka, [topic, dlqTopic]);
  await cleanupRedis([env.REDIS_KEY_PREFIX!]);
});

describe('dotdigital-sync run, end to end', () => {
  it('adds and removes contacts, dead-letters what it cannot apply, and commits every offset', async () => {
    const news = bookId(sandbox, 'Newsletter');
    const vip = bookId(sandbox, 'VIP customers');
    const adds = Array.from({ length: 250 }, (_, i) => event('demo', news, 'ADD', { email: `u${i}@example.com` }));
    const removes = Array.from({ length: 50 }, (_, i) => event('demo', news, 'REMOVE', { email: `U${i}@Example.com ` }));
    const vipAdds = [
      ...Array.from({ length: 18 }, (_, i) => event('demo', vip, 'ADD', { email: `v${i}@example.com` })),
      event('demo', vip, 'ADD', { email: 'suppressed@example.com' }),
      event('demo', vip, 'ADD', { email: 'not-an-email' }),
    ];
    const bad = [
      { raw: Buffer.from('plain text, not Avro'), key: 'demo' },
      event('nobody', news, 'ADD', { email: 'x@example.com' }),
      event('demo', news, 'ADD', {}),
    ];
    service = await startService(loadConfig(env), silentLogger(), env);
    await produce(kafka, topic, [...adds, ...vipAdds, ...bad]);
    await produce(kafka, topic, removes);
    const total = adds.length + vipAdds.length + bad.length + removes.length;

    await waitFor('every offset committed', async () => (await committedTotal(kafka, group, topic)) === total, 90_000);
    const expected = Array.from({ length: 200 }, (_, i) => `u${i + 50}@example.com`).sort();
    expect(members(sandbox, news)).toEqual(expected);
    expect(members(sandbox, vip)).toEqual(Array.from({ length: 18 }, (_, i) => `v${i}@example.com`).sort());

    const letters = await readAll(kafka, dlqTopic, 5);
    const registry = testRegistry();
    const decoded = await Promise.all(letters.map(async (l) => (await registry.decode(l.value!)) as { errorCode: string; errorMessage: string; value: Buffer | null; event: { profile: { email: string | null } } | null }));
    const codes = decoded.map((d) => d.errorCode).sort();
    expect(codes).toEqual(['CONNECTOR_UNKNOWN', 'DD_CONTACT_REJECTED', 'DD_CONTACT_REJECTED', 'DECODE_UNKNOWN_MAGIC_BYTE', 'EVENT_NO_IDENTIFIER']);
    expect(decoded.find((d) => d.errorCode === 'DECODE_UNKNOWN_MAGIC_BYTE')?.value?.toString()).toBe('plain text, not Avro');
    const rejected = decoded.filter((d) => d.errorCode === 'DD_CONTACT_REJECTED').map((d) => d.event?.profile.email).sort();
    expect(rejected).toEqual(['not-an-email', 'suppressed@example.com']);
    expect(letters.every((l) => l.headers['x-error-code'] !== undefined)).toBe(true);

    // Status and metrics tell the same story, without secrets.
    const port = service.httpPort;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/dotdigital_sync_contacts_total\{action="ADD",outcome="success"\} \d+/);
    expect(metrics).toMatch(/dotdigital_sync_records_rejected_total\{code="CONNECTOR_UNKNOWN"\} 1/);
    expect(metrics).not.toContain('demo-password-1');
    expect(metrics).toMatch(/dotdigital_sync_commit_lag_records\{topic="[^"]+",partition="\d"\} 0/);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/status`)).status).toBe(401);
    const status = (await getJson(`http://127.0.0.1:${port}/status`, 'e2e-token')) as { outcomes: Record<string, { addressBooks: Record<string, { synced: number; pending: number; inFlight: number; deadLettered: Record<string, number> }> }> };
    expect(status.outcomes.demo?.addressBooks[String(vip)]).toMatchObject({ synced: 18, pending: 0, inFlight: 0, deadLettered: { DD_CONTACT_REJECTED: 2 } });
    expect(JSON.stringify(status)).not.toContain('demo-password-1');

    await service.stop(true);
    service = undefined;
    expect(await committedTotal(kafka, group, topic)).toBe(total);
  });
});
