/**
 * Progress of a long run on stderr: on a terminal a bar redrawn in place (points,
 * points/s, ETA from the bytes read), otherwise a plain line every `intervalMs`. It
 * samples counters on a timer, so the work loop pays nothing per point.
 */
export interface ProgressCounters {
  points: number;
  rejected: number;
  bytesRead: number;
  /** total input bytes when known (files), for the bar and ETA */
  totalBytes?: number;
}

const BAR_WIDTH = 24;

const group = (n: number): string => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mmss = `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

export class Progress {
  private readonly started = performance.now();
  private timer?: NodeJS.Timeout;
  private drawn = false;

  constructor(
    private readonly counters: ProgressCounters,
    private readonly stream: NodeJS.WriteStream,
    private readonly options: { tty: boolean; intervalMs: number; enabled: boolean },
  ) {}

  start(): void {
    if (!this.options.enabled) return;
    this.timer = setInterval(() => this.draw(false), this.options.tty ? 200 : this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer; on a terminal, draws the final bar and ends its line. */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.options.enabled && this.options.tty) {
      this.draw(true);
      this.stream.write('\n');
    }
  }

  /** Clears the bar so that another line (a rejected line's report) can be printed. */
  interrupt(): void {
    if (this.drawn && this.options.tty) {
      this.stream.write('\r\x1b[K');
      this.drawn = false;
    }
  }

  line(final: boolean): string {
    const c = this.counters;
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = elapsed > 0 ? c.points / elapsed : 0;
    const total = c.totalBytes;
    const fraction = total ? Math.min(1, final ? 1 : c.bytesRead / total) : undefined;
    const eta = fraction !== undefined && fraction > 0 ? (elapsed / fraction) * (1 - fraction) : NaN;
    const parts = [`${group(c.points)} points`, `${group(rate)} points/s`];
    if (c.rejected > 0) parts.push(`${group(c.rejected)} rejected`);
    parts.push(final ? `done in ${duration(elapsed)}` : `ETA ${duration(eta)}`);
    if (!this.options.tty) return `import: ${parts.join(', ')}${fraction !== undefined ? `, ${(fraction * 100).toFixed(1)}%` : ''}`;
    const bar = fraction === undefined ? '' : `[${'#'.repeat(Math.round(fraction * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
    return bar + parts.join('  ');
  }

  private draw(final: boolean): void {
    if (this.options.tty) {
      this.stream.write(`\r\x1b[K${this.line(final)}`);
      this.drawn = true;
    } else {
      this.stream.write(this.line(final) + '\n');
    }
  }
}
