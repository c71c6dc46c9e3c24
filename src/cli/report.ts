import { rejectedTotal, type Summary } from "../pipeline.js";
import { describeOrigin, type Finding } from "../record.js";

/** Prints findings to stderr (the first `max`, then a count), a progress line on a TTY, and the closing summary. */
export class Reporter {
  private shown = 0;
  private hidden = 0;
  private lastProgress = 0;
  private progressShown = false;
  constructor(
    private readonly max = 20,
    private readonly quiet = false,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  finding = (f: Finding): void => {
    if (this.shown >= this.max) {
      this.hidden++;
      return;
    }
    this.shown++;
    this.clearProgress();
    this.err.write(`${f.severity}: ${describeOrigin(f.origin)}: ${f.reason}: ${f.message}\n`);
  };

  notice = (message: string): void => {
    if (this.quiet) return;
    this.clearProgress();
    this.err.write(`note: ${message}\n`);
  };

  progress = (s: Summary): void => {
    if (!this.err.isTTY || this.quiet) return;
    const now = Date.now();
    if (now - this.lastProgress < 200) return;
    this.lastProgress = now;
    this.progressShown = true;
    this.err.write(`\r\x1b[2Kread ${s.read.toLocaleString("en-US")}  written ${s.written.toLocaleString("en-US")}  rejected ${rejectedTotal(s).toLocaleString("en-US")}`);
  };

  private clearProgress(): void {
    if (this.progressShown) {
      this.err.write("\r\x1b[2K");
      this.progressShown = false;
    }
  }

  summary(s: Summary, label?: string, extra?: string): void {
    this.clearProgress();
    if (this.hidden) {
      this.err.write(`… ${this.hidden} more finding${this.hidden === 1 ? "" : "s"} not shown (--max-findings)\n`);
      this.hidden = 0;
    }
    if (this.quiet) return;
    const rej = rejectedTotal(s);
    const reasons = Object.entries(s.rejected)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    const warn = Object.entries(s.warnings)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    const out = s.output === "-" ? "stdout" : s.output;
    this.err.write(
      `${label ? label + ": " : ""}read ${s.read}, written ${s.written}${s.validation !== undefined ? ` (${s.validation} to validation)` : ""}, rejected ${rej}${rej ? ` (${reasons})` : ""}${warn ? `, warnings: ${warn}` : ""} → ${out} in ${(s.elapsedMs / 1000).toFixed(2)} s${extra ? ` ${extra}` : ""}\n`,
    );
  }
}
