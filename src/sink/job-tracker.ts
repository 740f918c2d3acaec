/**
 * DotDigital imports and deletions run asynchronously, and a partition can change owner while
 * one is still running (a crash, a rebalance, a shutdown past its deadline). The new owner
 * re-reads from the committed offset and may send a REMOVE of a contact whose ADD is still being
 * imported by the old owner's job: that job would land after the removal and undo it. So every
 * process records the jobs it starts per (account, address book) in a registry all replicas
 * share (Redis), and before a REMOVE waits for the imports of that book that were already
 * running, and before an ADD for the deletions. Only jobs running at the time of the check are
 * waited for, so a steady stream of new jobs cannot starve anyone. A job whose start is
 * uncertain (the process died mid-request) is listed without an id until its placeholder expires.
 */
import { SyncError } from '../errors.js';

export type JobKind = 'import' | 'deletion';

export interface TrackedJob {
  readonly token: string;
  readonly jobId: string | null;
}

export interface JobHandle {
  /** DotDigital answered with the job's id. */
  started(jobId: string): Promise<void>;
  /** The job is over (terminal status), or certainly never started. */
  end(): Promise<void>;
}

export interface JobTracker {
  begin(accountId: string, addressBookId: number, kind: JobKind): Promise<JobHandle>;
  running(accountId: string, addressBookId: number, kind: JobKind): Promise<TrackedJob[]>;
}

const noopHandle: JobHandle = { started: () => Promise.resolve(), end: () => Promise.resolve() };
export const noopJobTracker: JobTracker = { begin: () => Promise.resolve(noopHandle), running: () => Promise.resolve([]) };

export interface AwaitOptions {
  readonly tracker: JobTracker;
  readonly accountId: string;
  readonly addressBookId: number;
  readonly kind: JobKind;
  /** Polls one job of another process to a terminal status (or not found). */
  readonly settle: (jobId: string) => Promise<void>;
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly signal: AbortSignal | undefined;
}

/** Resolves once every job of `kind` running on the book at the time of the call is over. */
export async function awaitRunningJobs(o: AwaitOptions): Promise<void> {
  const first = await o.tracker.running(o.accountId, o.addressBookId, o.kind);
  if (first.length === 0) return;
  const waitingFor = new Set(first.map((j) => j.token));
  const settled = new Set<string>();
  const deadline = o.now() + o.timeoutMs;
  for (;;) {
    const still = (await o.tracker.running(o.accountId, o.addressBookId, o.kind)).filter((j) => waitingFor.has(j.token));
    const withId = still.filter((j): j is TrackedJob & { jobId: string } => j.jobId !== null && !settled.has(j.jobId));
    for (const j of withId) {
      await o.settle(j.jobId);
      settled.add(j.jobId);
    }
    if (still.every((j) => j.jobId !== null && settled.has(j.jobId))) return;
    if (o.now() > deadline) throw new SyncError('DD_TIMEOUT', `another process's ${o.kind} on address book ${o.addressBookId} did not end in time`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, o.pollMs);
      o.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
    if (o.signal?.aborted === true) throw new SyncError('SHUTTING_DOWN', 'aborted while waiting for another process\'s job');
  }
}
