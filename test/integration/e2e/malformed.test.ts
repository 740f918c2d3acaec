/**
 * Issue 6e: 1,000 malformed records interleaved with good ones, on the same partitions and keys:
 * every bad record is dead-lettered exactly once with its code and its original bytes, and the
 * good records end with exactly the expected membership.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { startService, type RunningService } from '../../../src/service.js';
import type { MembershipChange } from '../../../src/windowing/event.js';
import { waitFor } from '../helpers/events.js';
import { startWorld, type E2eWorld } from '../helpers/e2e-harness.js';
import {
  deadLetters,
  historyOf,
  isEvent,
  recordCount,
  TrackedProducer,
  type Item,
} from '../helpers/e2e-kafka.js';
import {
  diffMemberships,
  generateWorkload,
  makeEvent,
  oracleOf,
  seededRandom,
  testSeed,
  type Random,
} from '../helpers/e2e-workload.js';
import { committedTotal, testKafka } from '../helpers/kafka.js';

const kafka = testKafka('e2e-malformed');
const rand = seededRandom(testSeed('malformed'));
let world: E2eWorld;
let service: RunningService | undefined;

beforeAll(async () => {
  world = await startWorld(kafka, rand);
});

afterAll(async () => {
  await service?.stop(false);
  await world.close();
});

type Bad = { readonly item: Item; readonly code: string };

/** Each kind of bad record and the code its dead letter must carry, with its share of the 1,000. */
function badKinds(producer: TrackedProducer): { share: number; make: (r: Random) => Bad | Promise<Bad> }[] {
  const connector = () => rand.pick(world.connectors);
  const valid = (r: Random): MembershipChange => {
    const c = connector();
    return makeEvent(r, c.id, r.pick(c.books), r.chance(0.5) ? 'ADD' : 'REMOVE', {
      email: `bad${r.int(1e6)}@example.com`,
    });
  };
  const raw = (bytes: Buffer | null, code: string): Bad => ({
    item: { raw: bytes, key: connector().id },
    code,
  });
  return [
    // Not the wire format: random bytes whose first byte is not 0, or too short to hold a schema id.
    {
      share: 190,
      make: (r) =>
        raw(
          Buffer.concat([Buffer.from([1 + r.int(255)]), randomBytes(r.int(60))]),
          'DECODE_UNKNOWN_MAGIC_BYTE',
        ),
    },
    { share: 30, make: (r) => raw(Buffer.from([0, 0, 0].slice(0, r.int(4))), 'DECODE_UNKNOWN_MAGIC_BYTE') },
    { share: 30, make: () => raw(null, 'DECODE_UNKNOWN_MAGIC_BYTE') }, // tombstone
    // Wire format naming a schema id the registry does not know. Each costs the decoder its
    // retries (3 attempts, 0.5 s × attempt apart), so only a few of them.
    {
      share: 4,
      make: (r) => {
        const head = Buffer.alloc(5);
        head.writeUInt32BE(999_990 + r.int(2), 1);
        return raw(Buffer.concat([head, randomBytes(20)]), 'DECODE_UNKNOWN_SCHEMA');
      },
    },
    // The registered schema id with a body cut short: Avro cannot decode a strict prefix.
    {
      share: 246,
      make: async (r) => {
        const full = await producer.encode(valid(r));
        return raw(full.subarray(0, 5 + r.int(full.length - 5)), 'DECODE_FAILED');
      },
    },
    {
      share: 60,
      make: (r) => ({ item: { ...valid(r), eventId: `not-a-uuid-${r.int(1e6)}` }, code: 'EVENT_INVALID' }),
    },
    {
      share: 40,
      make: (r) => {
        const e = valid(r);
        return { item: { ...e, profile: { ...e.profile, profileId: ' ' } }, code: 'EVENT_INVALID' };
      },
    },
    {
      share: 100,
      make: (r) => {
        const e = valid(r);
        return {
          item: {
            ...e,
            profile: {
              ...e.profile,
              email: r.chance(0.5) ? null : '  ',
              contactId: r.chance(0.5) ? null : 0,
            },
          },
          code: 'EVENT_NO_IDENTIFIER',
        };
      },
    },
    {
      share: 150,
      make: (r) => ({
        item: { ...valid(r), addressBookId: r.pick([0, -1 - r.int(1000), 2 ** 31 + r.int(1000)]) },
        code: 'EVENT_BAD_ADDRESS_BOOK',
      }),
    },
    {
      share: 150,
      make: (r) => ({ item: { ...valid(r), connectorId: `ghost-${r.int(3)}` }, code: 'CONNECTOR_UNKNOWN' }),
    },
  ];
}

describe('malformed records', () => {
  it('1,000 bad records among good ones: each dead-lettered once with its code, the good ones unaffected', async () => {
    const { topic, dlq } = await world.topics(4);
    const env = world.env(topic, dlq);
    const producer = await TrackedProducer.connect(kafka, topic);
    const good = generateWorkload(rand, world.connectors, { events: 4000, emailsPerConnector: 800 });
    const bad: Bad[] = [];
    for (const kind of badKinds(producer))
      for (let i = 0; i < kind.share; i++) bad.push(await kind.make(rand));
    expect(bad).toHaveLength(1000);
    // Bad records at random places among the good ones; the good ones keep their order.
    const items: (Item | Bad)[] = [...good];
    for (const b of bad) items.splice(rand.int(items.length + 1), 0, b);
    const records = items.map((x) => ('code' in x ? x.item : x));

    service = await startService(loadConfig(env), silentLogger(), env);
    const placed = await producer.send(records);
    await producer.disconnect();
    await waitFor(
      'every offset committed',
      async () => (await committedTotal(kafka, env.KAFKA_GROUP_ID!, topic)) === records.length,
      100_000,
    );

    const expectedCode = new Map<string, string>();
    items.forEach((x, i) => {
      if ('code' in x) expectedCode.set(`${placed[i]!.partition}@${placed[i]!.offset}`, x.code);
    });
    const letters = await deadLetters(kafka, dlq, bad.length);
    expect(await recordCount(kafka, dlq)).toBe(bad.length);
    const seen = new Map<string, string>();
    for (const l of letters) {
      const at = `${l.partition}@${l.offset}`;
      expect(l.topic).toBe(topic);
      expect(seen.has(at), `two dead letters for ${at}`).toBe(false);
      seen.set(at, l.errorCode);
    }
    const wrong = [...expectedCode]
      .filter(([at, code]) => seen.get(at) !== code)
      .map(([at, code]) => `${at}: want ${code}, got ${seen.get(at) ?? 'none'}`);
    expect(wrong).toEqual([]);
    // Each letter carries the original bytes.
    const byAt = new Map(placed.map((p) => [`${p.partition}@${p.offset}`, p.item]));
    const valueMismatch = letters.filter((l) => {
      const item = byAt.get(`${l.partition}@${l.offset}`)!;
      return !isEvent(item) && !(item.raw === null ? l.value === null : l.value?.equals(item.raw) === true);
    });
    expect(valueMismatch).toHaveLength(0);

    const expected = oracleOf(world.connectors, good).expected(world.books);
    expect(
      diffMemberships(expected, world.actual(), {
        history: historyOf(placed.filter((p) => !expectedCode.has(`${p.partition}@${p.offset}`))),
      }),
    ).toBe('');
  }, 150_000);
});
