/**
 * End-to-end workloads: a seeded random mix of membership changes, the oracle of the final
 * membership they must produce, and a readable diff against what the sandbox holds.
 *
 * Contacts are labelled the way both sides can name them: an email (lower-cased), `mobile:<digits>`,
 * or `cid:<contactId>` for contacts the sandbox knew before the run and events address by id.
 * Each connector has its own contacts, so the last event per (connector, book, contact) in partition
 * order (= production order, since key = connectorId) decides the membership unambiguously even
 * where two connectors share an account and its books.
 */
import { randomInt } from 'node:crypto';
import type { MembershipChange, Profile } from '../../../src/windowing/event.js';

export interface Random {
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: small, fast, and the same seed replays the same workload and timings. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (items) => items[int(items.length)]!, chance: (p) => next() < p };
}

/** E2E_SEED replays a run; otherwise a fresh seed, printed so that a failure can be replayed. */
export function testSeed(name: string): number {
  const fromEnv = process.env.E2E_SEED;
  const seed = fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) >>> 0 : randomInt(2 ** 31);
  console.log(`[e2e] ${name}: seed ${seed} (E2E_SEED=${seed} replays it)`);
  return seed;
}

/** A contact the sandbox knew before the run, addressed by its contact id. */
export interface KnownContact {
  readonly contactId: number;
  /** Books it is a member of before the run. */
  readonly books: readonly number[];
}

export interface ConnectorPlan {
  readonly id: string;
  /** The address books of the connector's account. */
  readonly books: readonly number[];
  readonly known: readonly KnownContact[];
}

export function labelOf(profile: Profile): string {
  const email = profile.email?.trim().toLowerCase();
  if (email !== undefined && email !== '') return email;
  if (profile.contactId !== null) return `cid:${profile.contactId}`;
  return `mobile:${(profile.mobileNumber ?? '').replace(/\D/g, '')}`;
}

/** The label of a sandbox book member (the known contacts are named by id, as the events name them). */
export function memberLabel(
  m: { contactId: number; email?: string; mobileNumber?: string },
  knownIds: ReadonlySet<number>,
): string {
  if (knownIds.has(m.contactId)) return `cid:${m.contactId}`;
  if (m.email !== undefined) return m.email.toLowerCase();
  return `mobile:${(m.mobileNumber ?? '').replace(/\D/g, '')}`;
}

const key = (book: number, label: string): string => `${book}|${label}`;

/** Expected membership: the initial one, then the last action per (connector, book, contact). */
export class Oracle {
  private readonly state = new Map<string, boolean>();

  constructor(connectors: readonly ConnectorPlan[]) {
    for (const c of connectors)
      for (const k of c.known) for (const b of k.books) this.state.set(key(b, `cid:${k.contactId}`), true);
  }

  apply(event: MembershipChange): void {
    this.state.set(key(event.addressBookId, labelOf(event.profile)), event.action === 'ADD');
  }

  isMember(book: number, label: string): boolean {
    return this.state.get(key(book, label)) ?? false;
  }

  expected(books: readonly number[]): Map<number, Set<string>> {
    const out = new Map<number, Set<string>>(books.map((b) => [b, new Set<string>()]));
    for (const [k, member] of this.state) {
      if (!member) continue;
      const bar = k.indexOf('|');
      out.get(Number(k.slice(0, bar)))?.add(k.slice(bar + 1));
    }
    return out;
  }
}

export function oracleOf(connectors: readonly ConnectorPlan[], events: Iterable<MembershipChange>): Oracle {
  const oracle = new Oracle(connectors);
  for (const e of events) oracle.apply(e);
  return oracle;
}

export interface DiffOptions {
  /** `book|label` pairs whose state may still change (events not final yet): not compared. */
  readonly skip?: ReadonlySet<string>;
  /** Event history of a `book|label` pair, printed for the first mismatches. */
  readonly history?: (bookAndLabel: string) => readonly string[];
}

/** '' when equal; otherwise the missing and unexpected members per book, with a few histories. */
export function diffMemberships(
  expected: ReadonlyMap<number, ReadonlySet<string>>,
  actual: ReadonlyMap<number, ReadonlySet<string>>,
  options: DiffOptions = {},
): string {
  const lines: string[] = [];
  const explained: string[] = [];
  let missingTotal = 0;
  let unexpectedTotal = 0;
  for (const book of [...new Set([...expected.keys(), ...actual.keys()])].sort((a, b) => a - b)) {
    const want = expected.get(book) ?? new Set<string>();
    const have = actual.get(book) ?? new Set<string>();
    const keep = (label: string) => options.skip?.has(key(book, label)) !== true;
    const missing = [...want].filter((l) => !have.has(l) && keep(l)).sort();
    const unexpected = [...have].filter((l) => !want.has(l) && keep(l)).sort();
    if (missing.length === 0 && unexpected.length === 0) continue;
    missingTotal += missing.length;
    unexpectedTotal += unexpected.length;
    lines.push(
      `book ${book}: ${missing.length} missing [${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}], ${unexpected.length} unexpected [${unexpected.slice(0, 8).join(', ')}${unexpected.length > 8 ? ', …' : ''}]`,
    );
    for (const label of [...missing, ...unexpected]) {
      if (explained.length >= 6 || options.history === undefined) break;
      explained.push(
        `  ${key(book, label)}: ${options.history(key(book, label)).join(' → ') || '(no event)'}`,
      );
    }
  }
  if (lines.length === 0) return '';
  return [
    `${missingTotal} missing and ${unexpectedTotal} unexpected members`,
    ...lines,
    ...(explained.length > 0 ? ['histories (partition@offset action):', ...explained] : []),
  ].join('\n');
}

export interface WorkloadOptions {
  readonly events: number;
  /** Relative share of events per connector (default: equal). */
  readonly weights?: readonly number[];
  /** Distinct email contacts per connector. */
  readonly emailsPerConnector?: number;
  readonly mobilesPerConnector?: number;
}

type ContactRef =
  | { readonly kind: 'email'; readonly n: number }
  | { readonly kind: 'mobile'; readonly n: number }
  | { readonly kind: 'known'; readonly contactId: number };

function uuidFrom(rand: Random): string {
  const hex = Array.from({ length: 32 }, () => rand.int(16).toString(16));
  hex[12] = '4';
  hex[16] = (8 + rand.int(4)).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A valid event; `profile` picks the identifier. */
export function makeEvent(
  rand: Random,
  connectorId: string,
  book: number,
  action: 'ADD' | 'REMOVE',
  profile: Partial<Profile>,
  at = Date.now(),
): MembershipChange {
  const journey = rand.chance(0.4);
  return {
    eventId: uuidFrom(rand),
    occurredAt: at,
    connectorId,
    source: journey
      ? { kind: 'JOURNEY', id: `jrn-${rand.int(5)}`, stepId: `step-${rand.int(4)}` }
      : { kind: 'AUDIENCE', id: `aud-${rand.int(8)}`, stepId: null },
    addressBookId: book,
    action,
    profile: {
      profileId: `prof-${connectorId}-${rand.int(1_000_000)}`,
      email: null,
      contactId: null,
      mobileNumber: null,
      ...profile,
    },
  };
}

/**
 * A realistic mix: mostly emails (some in another letter case), some mobile numbers and known
 * contact ids; enters, exits, re-entries, enter-then-exit pairs, exits of non-members, repeated
 * adds; a third of the events revisit a recently touched (book, contact) so that windows coalesce
 * and an add and a remove of one contact follow each other closely.
 */
export function generateWorkload(
  rand: Random,
  connectors: readonly ConnectorPlan[],
  options: WorkloadOptions,
): MembershipChange[] {
  const weights = options.weights ?? connectors.map(() => 1);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const emails = options.emailsPerConnector ?? 3000;
  const mobiles = options.mobilesPerConnector ?? 300;
  const state = new Oracle(connectors);
  const recent = connectors.map(() => [] as { book: number; contact: ContactRef }[]);
  const out: MembershipChange[] = [];
  const start = Date.now();

  const profileOf = (ci: number, c: ContactRef): Partial<Profile> => {
    const id = connectors[ci]!.id;
    if (c.kind === 'known') return { contactId: c.contactId };
    if (c.kind === 'mobile') return { mobileNumber: `+4477${String(ci)}${String(c.n).padStart(7, '0')}` };
    const email = `${id}.u${c.n}@example.com`;
    return { email: rand.chance(0.05) ? email.toUpperCase() : email };
  };
  const emit = (ci: number, book: number, c: ContactRef, action: 'ADD' | 'REMOVE'): void => {
    const e = makeEvent(rand, connectors[ci]!.id, book, action, profileOf(ci, c), start + out.length);
    state.apply(e);
    out.push(e);
  };

  while (out.length < options.events) {
    let draw = rand.next() * totalWeight;
    let ci = 0;
    while (ci < connectors.length - 1 && draw >= weights[ci]!) draw -= weights[ci++]!;
    const plan = connectors[ci]!;
    const hot = recent[ci]!;
    let target: { book: number; contact: ContactRef };
    if (hot.length > 0 && rand.chance(0.35)) target = rand.pick(hot);
    else {
      const kind = rand.next();
      const contact: ContactRef =
        kind < 0.8 || plan.known.length === 0
          ? { kind: 'email', n: rand.int(emails) }
          : kind < 0.9
            ? { kind: 'mobile', n: rand.int(mobiles) }
            : { kind: 'known', contactId: rand.pick(plan.known).contactId };
      target = { book: rand.pick(plan.books), contact };
      hot.push(target);
      if (hot.length > 200) hot.splice(0, hot.length - 200);
    }
    const label = labelOf({
      profileId: '',
      email: null,
      contactId: null,
      mobileNumber: null,
      ...profileOf(ci, target.contact),
    });
    const member = state.isMember(target.book, label);
    if (member) emit(ci, target.book, target.contact, rand.chance(0.75) ? 'REMOVE' : 'ADD');
    else if (rand.chance(0.85)) {
      emit(ci, target.book, target.contact, 'ADD');
      if (rand.chance(0.1)) emit(ci, target.book, target.contact, 'REMOVE'); // enter then exit at once
    } else emit(ci, target.book, target.contact, 'REMOVE');
  }
  return out.slice(0, options.events);
}
