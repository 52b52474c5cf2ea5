/**
 * A warning that a flood could repeat thousands of times a second (connections refused or
 * dropped by a limit), logged at most once per interval: the first event at once, then, at the
 * end of each interval in which more came, one line with how many of each kind. Quiet again
 * after an interval without events. One timer at most, unref'd.
 */
import type { Logger } from '../logger.js';

export class RateLimitedLog {
  private counts: Record<string, number> = {};
  private pending = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly msg: string,
    private readonly intervalMs: number,
    private readonly fields: Readonly<Record<string, unknown>> = {},
  ) {}

  /** One event of `kind` ('refused', 'timedOut'...). */
  note(kind: string): void {
    if (this.timer === null) {
      this.logger.warn({ ...this.fields, [kind]: 1 }, this.msg);
      this.startInterval();
      return;
    }
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    this.pending++;
  }

  /** Logs what is counted and stops (shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.emit();
  }

  private startInterval(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.pending === 0) return;
      this.emit();
      this.startInterval();
    }, this.intervalMs);
    this.timer.unref();
  }

  private emit(): void {
    if (this.pending === 0) return;
    this.logger.warn({ ...this.fields, ...this.counts, intervalMs: this.intervalMs }, this.msg);
    this.counts = {};
    this.pending = 0;
  }
}
