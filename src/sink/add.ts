/**
 * Bulk add: one `PUT /contacts/v3/import` with every contact of the batch and `lists: [book]`,
 * then poll `GET /contacts/v3/import/{id}` to a terminal status and map the report back to one
 * outcome per event. Contacts are sent once per identifier (duplicates would fail as
 * duplicateIdentifier); every event with that identifier shares the answer.
 *
 * No mergeOption, dataFields or channelProperties are sent: membership only, and an existing
 * contact's channel status stays as it is (the v3 default for omitted channelProperties).
 */
import { SyncError } from '../errors.js';
import type { MembershipChange } from '../windowing/event.js';
import { cacheKey, callOn, type AccountScope, type ClientContext } from './context.js';
import { keyOf, keysOfAnswer, matchOf, type MatchIdentifier } from './identity.js';
import { arrayField, intField, stringField } from './json.js';
import { awaitRunningJobs } from './job-tracker.js';
import { pollJob } from './poll.js';
import { settleDeletion } from './remove.js';
import type { ContactOutcome } from './types.js';

export interface ImportContact {
  readonly matchIdentifier: MatchIdentifier;
  readonly identifiers: Readonly<Partial<Record<MatchIdentifier, string | number>>>;
  readonly lists: readonly number[];
}

export interface ImportPlan {
  readonly body: { readonly contacts: readonly ImportContact[] };
  /** Key of each contact of the body. */
  readonly keys: readonly string[];
  /** Per event: index of its contact in the body, or -1 when the profile has no identifier. */
  readonly slotOfEvent: readonly number[];
}

export function buildImportRequest(addressBookId: number, events: readonly MembershipChange[]): ImportPlan {
  const contacts: ImportContact[] = [];
  const keys: string[] = [];
  const slotByKey = new Map<string, number>();
  const slotOfEvent = events.map((event) => {
    const match = matchOf(event.profile);
    if (match === undefined) return -1;
    const key = keyOf(match.identifier, match.value);
    let slot = slotByKey.get(key);
    if (slot === undefined) {
      slot = contacts.length;
      slotByKey.set(key, slot);
      keys.push(key);
      contacts.push({
        matchIdentifier: match.identifier,
        identifiers: { [match.identifier]: match.value },
        lists: [addressBookId],
      });
    }
    return slot;
  });
  return { body: { contacts }, keys, slotOfEvent };
}

type Answer =
  | { readonly ok: true; readonly contactId: number | undefined }
  | { readonly ok: false; readonly codes: readonly { code: string; description: string }[] };

const RUNNING = new Set(['notfinished', 'notstarted', 'started', 'inprogress', 'processing']);
const REJECTED = new Set(['rejectedbywatchdog', 'exceedsallowedcontactlimit']);

/** Maps a Finished import report to outcomes; also returns the contact ids it learnt, by key. */
export function mapImportReport(
  plan: ImportPlan,
  report: unknown,
): { outcomes: ContactOutcome[]; learnt: Map<string, number> } {
  const wanted = new Set(plan.keys);
  const answers = new Map<string, Answer>();
  const learnt = new Map<string, number>();
  for (const name of ['created', 'updated'] as const) {
    for (const item of arrayField(report, name)) {
      const contactId = intField(item, 'contactId');
      for (const key of keysOfAnswer(item)) {
        if (contactId !== undefined && !key.startsWith('contactId:')) learnt.set(key, contactId);
        if (wanted.has(key) && answers.get(key)?.ok !== false) answers.set(key, { ok: true, contactId });
      }
    }
  }
  // A listed failure wins: the contact may exist, but DotDigital says this part of the import did not apply.
  for (const item of arrayField(report, 'failures')) {
    const codes = arrayField(item, 'failures').map((f) => ({
      code: stringField(f, 'failureCode') ?? 'unknown',
      description: stringField(f, 'description') ?? '',
    }));
    for (const key of keysOfAnswer(item))
      if (wanted.has(key))
        answers.set(key, {
          ok: false,
          codes: codes.length > 0 ? codes : [{ code: 'unknown', description: '' }],
        });
  }
  const outcomes = plan.slotOfEvent.map((slot): ContactOutcome => {
    const key = plan.keys[slot];
    if (key === undefined)
      return {
        ok: false,
        error: new SyncError('EVENT_NO_IDENTIFIER', 'profile has no email, mobileNumber or contactId'),
      };
    const answer = answers.get(key);
    if (answer === undefined)
      return {
        ok: false,
        error: new SyncError('DD_CONTACT_MISSING', 'import finished without listing this contact'),
      };
    if (answer.ok)
      return answer.contactId === undefined ? { ok: true } : { ok: true, contactId: answer.contactId };
    const text = answer.codes
      .map((c) => (c.description === '' ? c.code : `${c.code} (${c.description})`))
      .join(', ');
    return {
      ok: false,
      error: new SyncError('DD_CONTACT_REJECTED', `import rejected the contact: ${text}`, {
        remoteCode: answer.codes[0]?.code ?? 'unknown',
      }),
    };
  });
  return { outcomes, learnt };
}

export async function addContacts(
  ctx: ClientContext,
  scope: AccountScope,
  addressBookId: number,
  events: readonly MembershipChange[],
): Promise<ContactOutcome[]> {
  const plan = buildImportRequest(addressBookId, events);
  if (plan.body.contacts.length === 0) return mapImportReport(plan, {}).outcomes;
  // A deletion of this book started by another process (a previous owner of the partition) must
  // land before this import, or it could remove what this adds.
  await awaitRunningJobs({
    tracker: ctx.jobs,
    accountId: scope.account.accountId,
    addressBookId,
    kind: 'deletion',
    settle: (id) => settleDeletion(ctx, scope, id),
    pollMs: ctx.poll.initialMs,
    timeoutMs: ctx.poll.jobTimeoutMs,
    now: ctx.poll.now,
    signal: scope.signal,
  });
  const job = await ctx.jobs.begin(scope.account.accountId, addressBookId, 'import');
  let report: { status: string; body: unknown };
  try {
    const started = await callOn(ctx, scope, {
      operation: 'add',
      method: 'PUT',
      path: '/contacts/v3/import',
      route: '/contacts/v3/import',
      body: plan.body,
    });
    const importId = stringField(started.body, 'importId') ?? stringField(started.body, 'id');
    if (importId === undefined)
      throw new SyncError('DD_UNEXPECTED_RESPONSE', 'PUT /contacts/v3/import: no importId in the answer', {
        status: started.status,
      });
    await job.started(importId);
    report = await pollImport(ctx, scope, importId);
  } catch (err) {
    // An answer with a status means DotDigital did not start it; anything else (timeout, reset,
    // a poll that gave up) leaves the entry to expire, so other processes keep waiting for it.
    if (err instanceof SyncError && err.status !== undefined && err.code !== 'DD_UNEXPECTED_RESPONSE') await job.end();
    throw err;
  }
  await job.end();

  const status = report.status.toLowerCase();
  if (REJECTED.has(status))
    throw new SyncError('DD_IMPORT_REJECTED', `import ended in ${report.status}`, {
      remoteCode: report.status,
    });
  if (status !== 'finished')
    throw new SyncError('DD_IMPORT_FAILED', `import ended in ${report.status}`, {
      remoteCode: report.status,
    });

  const { outcomes, learnt } = mapImportReport(plan, report.body);
  for (const [key, id] of learnt) ctx.ids.set(cacheKey(scope, key), id);
  const failed = outcomes.filter((o) => !o.ok).length;
  ctx.logger.debug({ contacts: plan.body.contacts.length, failed }, 'import finished');
  return outcomes;
}

/** Polls an import to a terminal status; a 404 (unknown or expired) counts as over. */
export async function pollImport(ctx: ClientContext, scope: AccountScope, importId: string): Promise<{ status: string; body: unknown }> {
  return pollJob(
    'import',
    async () => {
      ctx.metrics?.apiJobPolls.inc({ kind: 'import' });
      const res = await callOn(ctx, scope, {
        operation: 'poll',
        method: 'GET',
        path: `/contacts/v3/import/${encodeURIComponent(importId)}`,
        route: '/contacts/v3/import/{importId}',
        passStatuses: [404],
      });
      if (res.status === 404) return { status: 'NotFound', body: res.body };
      const status = stringField(res.body, 'status');
      if (status === undefined)
        throw new SyncError('DD_UNEXPECTED_RESPONSE', 'import status: no status in the answer', {
          status: res.status,
        });
      return RUNNING.has(status.toLowerCase()) ? undefined : { status, body: res.body };
    },
    ctx.poll,
    scope.signal,
  );
}
