/**
 * Bulk remove (membership only). Contact ids come from the event, else the id cache (fed by
 * imports), else `GET /contacts/v3/{email|mobileNumber}/{value}`, where 404 means "not a
 * contact", which counts as removed. Then `POST /v2/address-books/{id}/contacts/delete` per
 * chunk of ids and a poll of `GET /v2/contacts/deletion/{id}` to Completed or Failed.
 * The v3 contact DELETE is never called: it deletes the contact from the whole account.
 */
import { SyncError } from '../errors.js';
import type { MembershipChange } from '../windowing/event.js';
import { cacheKey, callOn, type AccountScope, type ClientContext } from './context.js';
import { keyOf, matchOf, type Match } from './identity.js';
import { intField, stringField } from './json.js';
import { pollImport } from './add.js';
import { bookMembersByEmail } from './book-members.js';
import { awaitRunningJobs } from './job-tracker.js';
import { pollJob } from './poll.js';
import type { ContactOutcome } from './types.js';

type Resolution =
  | { readonly kind: 'id'; readonly contactId: number }
  | { readonly kind: 'absent' }
  | { readonly kind: 'failed'; readonly error: SyncError };

/** Email misses from which listing the book's members may beat one look-up each. */
const LIST_MEMBERS_FROM = 20;

const RUNNING = new Set(['started', 'notstarted', 'notfinished', 'inprogress', 'processing']);

export async function removeContacts(
  ctx: ClientContext,
  scope: AccountScope,
  addressBookId: number,
  events: readonly MembershipChange[],
): Promise<ContactOutcome[]> {
  // An import of this book started by another process (a previous owner of the partition) must
  // land before ids are resolved and removed, or it would add back what this removes.
  await awaitRunningJobs({
    tracker: ctx.jobs,
    accountId: scope.account.accountId,
    addressBookId,
    kind: 'import',
    settle: async (id) => {
      await pollImport(ctx, scope, id);
    },
    pollMs: ctx.poll.initialMs,
    timeoutMs: ctx.poll.jobTimeoutMs,
    now: ctx.poll.now,
    signal: scope.signal,
  });
  const resolutions = await resolveIds(ctx, scope, addressBookId, events);
  const ids = [...new Set(resolutions.flatMap((r) => (r.kind === 'id' ? [r.contactId] : [])))];
  for (let i = 0; i < ids.length; i += ctx.deleteChunkSize) {
    await deleteChunk(ctx, scope, addressBookId, ids.slice(i, i + ctx.deleteChunkSize));
  }
  return resolutions.map((r): ContactOutcome => {
    if (r.kind === 'id') return { ok: true, contactId: r.contactId };
    if (r.kind === 'absent') return { ok: true };
    return { ok: false, error: r.error };
  });
}

async function resolveIds(
  ctx: ClientContext,
  scope: AccountScope,
  addressBookId: number,
  events: readonly MembershipChange[],
): Promise<Resolution[]> {
  const resolutions: (Resolution | undefined)[] = [];
  const lookups = new Map<string, { match: Match; indexes: number[] }>();
  events.forEach((event, index) => {
    if (event.profile.contactId !== null) {
      resolutions[index] = { kind: 'id', contactId: event.profile.contactId };
      return;
    }
    const match = matchOf(event.profile);
    if (match === undefined) {
      resolutions[index] = {
        kind: 'failed',
        error: new SyncError('EVENT_NO_IDENTIFIER', 'profile has no email, mobileNumber or contactId'),
      };
      return;
    }
    const key = keyOf(match.identifier, match.value);
    const cached = ctx.ids.get(cacheKey(scope, key));
    ctx.metrics?.contactIdCache.inc({ result: cached === undefined ? 'miss' : 'hit' });
    if (cached !== undefined) {
      resolutions[index] = { kind: 'id', contactId: cached };
      return;
    }
    const pending = lookups.get(key);
    if (pending === undefined) lookups.set(key, { match, indexes: [index] });
    else pending.indexes.push(index);
  });

  const byEmail = [...lookups].filter(([, l]) => l.match.identifier === 'email');
  if (byEmail.length >= LIST_MEMBERS_FROM) {
    const members = await bookMembersByEmail(ctx, scope, addressBookId, byEmail.length);
    if (members !== undefined) {
      for (const [key, { indexes }] of byEmail) {
        const id = members.get(key);
        const resolution: Resolution = id === undefined ? { kind: 'absent' } : { kind: 'id', contactId: id };
        if (id !== undefined) ctx.ids.set(cacheKey(scope, key), id);
        for (const i of indexes) resolutions[i] = resolution;
        lookups.delete(key);
      }
    }
  }

  const queue = [...lookups.entries()];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [key, { match, indexes }] = next;
      const resolution = await lookup(ctx, scope, match);
      if (resolution.kind === 'id') ctx.ids.set(cacheKey(scope, key), resolution.contactId);
      for (const i of indexes) resolutions[i] = resolution;
    }
  };
  // One transient lookup failure fails the whole call (the batch is retried as one); the others stop taking work.
  await Promise.all(Array.from({ length: Math.min(ctx.lookupConcurrency, queue.length) }, worker)).catch(
    (err: unknown) => {
      queue.length = 0;
      throw err;
    },
  );
  return resolutions.map(
    (r) => r ?? { kind: 'failed', error: new SyncError('INTERNAL', 'contact id not resolved') },
  );
}

async function lookup(ctx: ClientContext, scope: AccountScope, match: Match): Promise<Resolution> {
  try {
    const res = await callOn(ctx, scope, {
      operation: 'lookup',
      method: 'GET',
      path: `/contacts/v3/${match.identifier}/${encodeURIComponent(String(match.value))}`,
      route: `/contacts/v3/${match.identifier}/{value}`,
      passStatuses: [404],
    });
    if (res.status === 404) return { kind: 'absent' };
    const contactId = intField(res.body, 'contactId') ?? intField(res.body, 'id');
    if (contactId === undefined)
      throw new SyncError('DD_UNEXPECTED_RESPONSE', 'contact lookup: no contactId in the answer', {
        status: res.status,
      });
    return { kind: 'id', contactId };
  } catch (err) {
    // A 400 about this one identifier (e.g. contacts:invalidId) rejects this contact only.
    if (err instanceof SyncError && err.code === 'DD_BAD_REQUEST') {
      return {
        kind: 'failed',
        error: new SyncError(
          'DD_CONTACT_REJECTED',
          `contact lookup rejected the identifier: ${err.message}`,
          {
            remoteCode: err.remoteCode ?? 'badRequest',
            ...(err.status === undefined ? {} : { status: err.status }),
          },
        ),
      };
    }
    throw err;
  }
}

async function deleteChunk(
  ctx: ClientContext,
  scope: AccountScope,
  addressBookId: number,
  ids: readonly number[],
): Promise<void> {
  const job = await ctx.jobs.begin(scope.account.accountId, addressBookId, 'deletion');
  let final: string;
  try {
    const started = await callOn(ctx, scope, {
      operation: 'remove',
      method: 'POST',
      path: `/v2/address-books/${addressBookId}/contacts/delete`,
      route: '/v2/address-books/{id}/contacts/delete',
      body: ids,
    });
    const jobId = stringField(started.body, 'id');
    if (jobId === undefined)
      throw new SyncError('DD_UNEXPECTED_RESPONSE', 'bulk delete: no job id in the answer', {
        status: started.status,
      });
    await job.started(jobId);
    const initial = stringField(started.body, 'status')?.toLowerCase();
    final = initial === 'completed' || initial === 'failed' ? initial : await pollDeletion(ctx, scope, jobId);
  } catch (err) {
    // See add.ts: only an answer with a status proves the job never started.
    if (err instanceof SyncError && err.status !== undefined && err.code !== 'DD_UNEXPECTED_RESPONSE') await job.end();
    throw err;
  }
  await job.end();
  if (final !== 'completed')
    throw new SyncError('DD_DELETION_FAILED', `bulk deletion ended in ${final}`, { remoteCode: final });
}

function pollDeletion(ctx: ClientContext, scope: AccountScope, jobId: string): Promise<string> {
  return pollJob(
    'deletion',
    async () => {
      ctx.metrics?.apiJobPolls.inc({ kind: 'deletion' });
      const res = await callOn(ctx, scope, {
        operation: 'poll',
        method: 'GET',
        path: `/v2/contacts/deletion/${encodeURIComponent(jobId)}`,
        route: '/v2/contacts/deletion/{id}',
        passStatuses: [404],
      });
      if (res.status === 404) return 'notfound';
      const status = stringField(res.body, 'status');
      if (status === undefined)
        throw new SyncError('DD_UNEXPECTED_RESPONSE', 'deletion status: no status in the answer', {
          status: res.status,
        });
      return RUNNING.has(status.toLowerCase()) ? undefined : status.toLowerCase();
    },
    ctx.poll,
    scope.signal,
  );
}

/** Waits for another process's deletion to end (any terminal status, or not found). */
export async function settleDeletion(ctx: ClientContext, scope: AccountScope, jobId: string): Promise<void> {
  await pollDeletion(ctx, scope, jobId);
}
