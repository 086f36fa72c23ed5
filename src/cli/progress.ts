/**
 * Progress on stderr: a redrawn bar with ETA on a terminal, plain lines (at most one every few
 * seconds) otherwise, so logs stay readable.
 */

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class ProgressReporter {
  private readonly start = Date.now();
  private lastDraw = 0;
  private lastLine = -Infinity;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  update(fraction: number, detail: string): void {
    const now = Date.now();
    const elapsed = (now - this.start) / 1000;
    const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : NaN;
    const percent = (100 * fraction).toFixed(1).padStart(5);
    if (this.tty) {
      if (now - this.lastDraw < 100 && fraction < 1) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(width * Math.min(1, fraction));
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r${this.label} ${bar} ${percent}% ${detail}  elapsed ${formatDuration(elapsed)}  ETA ${formatDuration(eta)} `);
    } else if (now - this.lastLine >= 5000 || fraction >= 1) {
      this.lastLine = now;
      this.stream.write(`${this.label} ${percent}% ${detail} elapsed ${formatDuration(elapsed)} ETA ${formatDuration(eta)}\n`);
    }
  }

  finish(message: string): void {
    if (this.tty) this.stream.write('\n');
    this.stream.write(`${message}\n`);
  }
}
