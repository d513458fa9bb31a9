/** A one-line progress bar on stderr (redrawn on a terminal, a line per tenth otherwise). */
export class ProgressBar {
  private readonly started = Date.now();
  private lastPrintedTenth = -1;
  private bytes = 0;

  constructor(
    private readonly label: string,
    private total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  grow(by: number): void {
    this.total += by;
  }

  update(done: number, extra: { bytes?: number; note?: string } = {}): void {
    if (extra.bytes !== undefined) this.bytes = extra.bytes;
    const total = Math.max(this.total, 1);
    const ratio = Math.min(1, done / total);
    const elapsed = (Date.now() - this.started) / 1000;
    const speed = this.bytes > 0 && elapsed > 0 ? `  ${(this.bytes / elapsed / 1048576).toFixed(1)} MB/s` : '';
    const eta = done > 0 && done < total ? `  ETA ${clock(((total - done) * elapsed) / done)}` : '';
    const width = 24;
    const bar = '#'.repeat(Math.round(ratio * width)).padEnd(width, '-');
    const line = `${this.label} ${String(done).padStart(String(total).length)}/${total} [${bar}] ${Math.round(ratio * 100)}%${speed}${eta}${extra.note ? `  ${extra.note}` : ''}`;
    if (this.out.isTTY) {
      this.out.write(`\r${line}\x1b[K`);
      if (done >= total) this.out.write('\n');
    } else {
      const tenth = Math.floor(ratio * 10);
      if (tenth !== this.lastPrintedTenth) {
        this.lastPrintedTenth = tenth;
        this.out.write(`${line}\n`);
      }
    }
  }
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
