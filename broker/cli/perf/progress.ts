/**
 * A one-line progress bar on stderr for long perf runs, drawn only when stderr is a TTY (never
 * into a pipe or a log file), redrawn at most every PROGRESS_REDRAW_MS by an unref'd timer so
 * the hot loop only bumps a counter.
 *
 * Written here rather than taken from `cli-progress`: one bar, one line, ~80 lines, and the
 * broker's package stays free of a runtime dependency (and its own dependencies) that only the
 * perf tools would use.
 *
 * Lines printed to stdout while a bar is drawn on the same terminal go through `println()`,
 * which clears the bar first so the two do not interleave.
 */

/** Redraw period; 5 redraws a second read as live without costing the run anything. */
const PROGRESS_REDRAW_MS = 200;
/** Width of the bar itself, in characters. */
const BAR_WIDTH_CHARS = 30;

export interface ProgressOptions {
  /** What `done` and `total` count, e.g. "records" or "s". */
  unit: string;
  total: number;
  /** Where to draw; must be a TTY for anything to be drawn. @default process.stderr */
  stream?: NodeJS.WriteStream;
}

export class ProgressBar {
  private readonly stream: NodeJS.WriteStream;
  private readonly enabled: boolean;
  private readonly startMs = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;
  /** Progress so far, in `unit`; the caller sets it (cheap: a field write). */
  done = 0;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.enabled = this.stream.isTTY === true && opts.total > 0;
    if (this.enabled) {
      this.timer = setInterval(() => this.draw(), PROGRESS_REDRAW_MS);
      this.timer.unref();
    }
  }

  /** Writes a line to stdout, clearing the bar first when it shares the terminal. */
  println(line: string): void {
    this.clear();
    process.stdout.write(`${line}\n`);
  }

  /** Removes the bar for good. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    if (!this.drawn) return;
    this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  private draw(): void {
    const { total, unit } = this.opts;
    const fraction = Math.min(1, Math.max(0, this.done / total));
    const filled = Math.round(fraction * BAR_WIDTH_CHARS);
    const elapsedS = (performance.now() - this.startMs) / 1000;
    const rate = elapsedS > 0 ? this.done / elapsedS : 0;
    const etaS = rate > 0 ? Math.max(0, (total - this.done) / rate) : NaN;
    // A pty without a window size reports 0 columns.
    const columns = this.stream.columns || 80;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH_CHARS - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `
      + `${compact(this.done)}/${compact(total)} ${unit} ${compact(rate)}/s ETA ${Number.isNaN(etaS) ? '?' : `${etaS.toFixed(0)} s`}`;
    this.stream.write(`\r\x1b[2K${line.slice(0, Math.max(0, columns - 1))}`);
    this.drawn = true;
  }
}

/** 1234567 → "1.23M": short enough to keep the bar on one line. */
function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}
