/**
 * Progress of a long command (dlq redrive, backfill sampling), written to stderr so that stdout
 * keeps only the result. On a terminal: one line redrawn in place (`\r`) with a bar and an ETA.
 * Elsewhere (a Job's log, a pipe): a plain line every `intervalMs`, since `\r` redraws turn
 * into one endless line in log collectors.
 */

export interface ProgressOutput {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Terminal width; the line is cut to it so that `\r` redraws one line only. */
  readonly columns?: number | undefined;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  readonly out: ProgressOutput;
  /** Non-terminal: time between lines. Terminal: redraws are limited to one per 100 ms. */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export interface ProgressState {
  readonly label: string;
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  /** Counters shown after the figures, e.g. "published 120". */
  readonly detail?: string;
}

/** "1:02:03", "4:05", "0:09"; "?" when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Remaining time at the average rate so far; undefined until something is done. */
export function etaMs(state: Pick<ProgressState, 'done' | 'total' | 'elapsedMs'>): number | undefined {
  if (state.done >= state.total) return 0;
  if (state.done <= 0 || state.elapsedMs <= 0) return undefined;
  return ((state.total - state.done) * state.elapsedMs) / state.done;
}

function figures(s: ProgressState): string {
  const pct = s.total > 0 ? Math.floor((Math.min(s.done, s.total) * 100) / s.total) : 100;
  const rate = s.elapsedMs > 0 ? (s.done * 1000) / s.elapsedMs : 0;
  const rateText = rate >= 10 ? String(Math.round(rate)) : rate.toFixed(1);
  return `${s.done}/${s.total} (${pct}%) ${rateText}/s elapsed ${formatDuration(s.elapsedMs)} ETA ${formatDuration(etaMs(s))}`;
}

/** The plain line of the non-terminal mode. */
export function formatLine(s: ProgressState): string {
  return `${s.label}: ${figures(s)}${s.detail === undefined ? '' : `, ${s.detail}`}`;
}

/** The terminal line: a bar of `width` cells, then the figures. */
export function formatBar(s: ProgressState, width = 24): string {
  const filled = s.total > 0 ? Math.round((Math.min(s.done, s.total) * width) / s.total) : width;
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  return `${s.label} ${bar} ${figures(s)}${s.detail === undefined ? '' : ` ${s.detail}`}`;
}

const TTY_REDRAW_MS = 100;

export class Progress {
  private readonly started: number;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private lastDrawn: number | undefined;
  private drawnOnTty = false;
  private done = 0;
  private detail: string | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.intervalMs = options.intervalMs ?? 10_000;
  }

  /** Records progress; draws when a redraw (terminal) or a line (elsewhere) is due. */
  update(done: number, detail?: string): void {
    this.done = done;
    this.detail = detail;
    const t = this.now();
    const gap = this.options.out.isTTY ? TTY_REDRAW_MS : this.intervalMs;
    // Off a terminal the first line waits a full interval: short runs print only the final line.
    const due = this.lastDrawn === undefined ? (this.options.out.isTTY ? true : t - this.started >= gap) : t - this.lastDrawn >= gap;
    if (due) this.draw(t);
  }

  /** Draws the final state and ends the line. */
  finish(done: number = this.done, detail: string | undefined = this.detail): void {
    this.done = done;
    this.detail = detail;
    this.draw(this.now());
    if (this.options.out.isTTY && this.drawnOnTty) this.options.out.write('\n');
  }

  private draw(t: number): void {
    this.lastDrawn = t;
    const state: ProgressState = {
      label: this.options.label,
      done: this.done,
      total: this.options.total,
      elapsedMs: t - this.started,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
    };
    const out = this.options.out;
    if (!out.isTTY) {
      out.write(`${formatLine(state)}\n`);
      return;
    }
    const line = formatBar(state);
    const width = out.columns ?? 0;
    out.write(`\r${width > 1 ? line.slice(0, width - 1) : line}\x1b[K`);
    this.drawnOnTty = true;
  }
}

/** Progress on the process's stderr. */
export function stderrProgress(label: string, total: number): Progress {
  const err = process.stderr;
  return new Progress({ label, total, out: { write: (text) => void err.write(text), isTTY: err.isTTY, columns: err.columns } });
}
