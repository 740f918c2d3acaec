/**
 * The live set of connectors. `reload()` re-reads the file: a valid file replaces the set and
 * reports what changed (so caches keyed by connector can be dropped); an invalid one is
 * rejected whole and the previous set stays in force.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../logger.js';
import { toSyncError } from '../errors.js';
import type { Connector } from './connector.js';
import { loadConnectorsFile } from './file.js';

export interface ConnectorChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

export class ConnectorRegistry {
  private byId: ReadonlyMap<string, Connector>;
  private readonly listeners: ((changes: ConnectorChanges) => void)[] = [];
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private lastProblem: string | undefined;

  /** Throws ConfigError when the file is invalid at start. */
  constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private readonly env: Env = process.env,
  ) {
    this.byId = index(loadConnectorsFile(path, env));
  }

  get(id: string): Connector | undefined {
    return this.byId.get(id);
  }

  all(): readonly Connector[] {
    return [...this.byId.values()];
  }

  onChange(listener: (changes: ConnectorChanges) => void): void {
    this.listeners.push(listener);
  }

  /** Returns the changes, or undefined when the file was invalid (logged; the old set stays). */
  reload(): ConnectorChanges | undefined {
    let next: ReadonlyMap<string, Connector>;
    try {
      next = index(loadConnectorsFile(this.path, this.env));
    } catch (err) {
      const e = toSyncError(err);
      // The periodic re-read would repeat the same complaint every interval: say it once.
      if (e.message !== this.lastProblem) this.logger.error({ err: e.toJSON() }, 'connectors file rejected; keeping the previous connectors');
      this.lastProblem = e.message;
      return undefined;
    }
    this.lastProblem = undefined;
    const added = [...next.keys()].filter((id) => !this.byId.has(id));
    const removed = [...this.byId.keys()].filter((id) => !next.has(id));
    const changed = [...next.entries()].filter(([id, c]) => {
      const old = this.byId.get(id);
      return old !== undefined && !old.sameAs(c);
    }).map(([id]) => id);
    this.byId = next;
    const changes = { added, removed, changed };
    if (added.length + removed.length + changed.length > 0) {
      this.logger.info({ ...changes, connectors: next.size }, 'connectors reloaded');
      for (const l of this.listeners) l(changes);
    }
    return changes;
  }

  /**
   * Reloads when the file changes. Watches the directory, not the file: Kubernetes updates a
   * mounted ConfigMap by swapping a symlink, which a file watch would miss. Password files live
   * elsewhere (a mounted Secret) and may change without the connectors file: everything is also
   * re-read every `pollMs`, which costs a few small file reads and changes nothing when equal.
   */
  watch(pollMs = 30_000): void {
    if (this.watcher !== undefined) return;
    this.poll = setInterval(() => {
      this.reload();
    }, pollMs);
    this.poll.unref();
    const name = basename(this.path);
    this.watcher = watch(dirname(this.path), (_event, file) => {
      if (file !== null && file !== name && !file.startsWith('..')) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        this.reload();
      }, 200);
    });
    this.watcher.on('error', (err) => {
      this.logger.warn({ err: err.message }, 'connectors file watch failed; SIGHUP still reloads');
    });
  }

  close(): void {
    clearTimeout(this.debounce);
    clearInterval(this.poll);
    this.watcher?.close();
    this.watcher = undefined;
  }
}

function index(list: readonly Connector[]): ReadonlyMap<string, Connector> {
  return new Map(list.map((c) => [c.connectorId, c]));
}
