import type cliProgressModule from "cli-progress";
import { createRequire } from "node:module";

/** cli-progress, loaded when a progress line is first drawn (a run with no terminal on stderr never loads it). */
const loadCliProgress = (): typeof cliProgressModule => createRequire(import.meta.url)("cli-progress");

export type ProgressUnit = "bytes" | "rows" | "pages" | "files" | "documents";

const MB = 1e6;

function amount(n: number, unit: ProgressUnit): string {
  if (unit === "bytes") return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / MB).toFixed(1)} MB`;
  return `${Math.round(n).toLocaleString("en-US")} ${unit}`;
}

function rateText(perSecond: number, unit: ProgressUnit): string {
  if (unit === "bytes") return `${(perSecond / MB).toFixed(1)} MB/s`;
  return `${perSecond >= 100 ? Math.round(perSecond).toLocaleString("en-US") : perSecond.toFixed(1)} ${unit}/s`;
}

function etaText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.round((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

interface Payload {
  label: string;
  unit: ProgressUnit;
  /** Extra counts shown after the figures (rows read, written, rejected). */
  note: string;
  known: boolean;
}

/**
 * One live progress line on stderr, drawn by cli-progress: done / total with percent, rate and ETA (just done and
 * rate when the total is unknown, as for stdin). Off unless stderr is a terminal, with `quiet`, and when records
 * go to a terminal on stdout (the line would be mixed into them). Any other line printed while it is shown goes
 * through {@link Progress.line}, which clears it first and draws it again below.
 */
export class Progress {
  readonly enabled: boolean;
  private multi?: cliProgressModule.MultiBar;
  private bar?: cliProgressModule.SingleBar;
  private started = 0;
  private readonly err: NodeJS.WriteStream;

  constructor(opts: { quiet?: boolean; recordsOnStdout?: boolean; err?: NodeJS.WriteStream } = {}) {
    this.err = opts.err ?? process.stderr;
    this.enabled = !!this.err.isTTY && !opts.quiet && !(opts.recordsOnStdout && process.stdout.isTTY) && process.env.TERM !== "dumb";
  }

  /** Show (or re-label) the line: `total` undefined when it cannot be known. */
  start(label: string, total: number | undefined, unit: ProgressUnit): void {
    if (!this.enabled) return;
    const payload: Payload = { label, unit, note: "", known: total !== undefined && total > 0 };
    if (this.bar) {
      this.bar.setTotal(total ?? 0);
      this.bar.update(0, payload);
      this.started = Date.now();
      return;
    }
    const cliProgress = loadCliProgress();
    this.multi = new cliProgress.MultiBar({
      stream: this.err,
      clearOnComplete: true,
      hideCursor: false,
      gracefulExit: true,
      fps: 5,
      barsize: 20,
      // The terminal's own line wrapping stays on (cli-progress turns it off by default, which cut every message
      // printed while the line was shown at the terminal's width); the line itself is made to fit (below) and
      // cli-progress trims it to the width as a last resort.
      linewrap: true,
      format: (options, params, p: Payload) => {
        const elapsed = (Date.now() - this.started) / 1000;
        const rate = elapsed > 0 ? params.value / elapsed : 0;
        const width = Math.max(20, (this.err.columns || 80) - 1);
        const bar = cliProgress.Format.BarFormat(params.progress, options);
        const pct = `${Math.floor(params.progress * 100)}%`;
        const done = p.known ? `${amount(params.value, p.unit)} / ${amount(params.total, p.unit)}` : amount(params.value, p.unit);
        const eta = p.known ? `ETA ${etaText(rate > 0 ? (params.total - params.value) / rate : NaN)}` : "";
        const note = p.note ? `  ${p.note}` : "";
        // The most that fits the terminal: the bar goes first, then the rate, then the label is shortened.
        const variants = p.known
          ? [`${bar} ${pct} ${done}  ${rateText(rate, p.unit)}  ${eta}`, `${pct} ${done}  ${rateText(rate, p.unit)}  ${eta}`, `${pct} ${done}  ${eta}`]
          : [`${done}  ${rateText(rate, p.unit)}`, done];
        for (const v of variants) {
          const line = `${p.label} ${v}${note}`;
          if (line.length <= width) return line;
        }
        // Still too long: the label keeps up to 24 characters, then the counts are cut.
        const label = p.label.length > 24 ? `${p.label.slice(0, 23)}…` : p.label;
        const line = `${label} ${variants.at(-1)}${note}`;
        return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
      },
    });
    this.started = Date.now();
    this.bar = this.multi.create(total ?? 0, 0, payload);
  }

  /** Set how much is done (and the counts shown beside it); `total` when it has become known or been re-estimated. */
  update(done: number, note?: string, total?: number): void {
    if (!this.bar) return;
    if (total !== undefined && total > 0) {
      this.bar.setTotal(total);
      this.bar.update(done, { known: true, ...(note === undefined ? {} : { note }) });
      return;
    }
    this.bar.update(done, note === undefined ? {} : { note });
  }

  /** Print one line on stderr above the progress line (or plainly, when there is none). */
  line(text: string): void {
    if (!this.multi) {
      this.err.write(text.endsWith("\n") ? text : `${text}\n`);
      return;
    }
    this.multi.log(text.endsWith("\n") ? text : `${text}\n`);
    this.multi.update(); // clears the line, writes the text, draws the line again: now, not at the next tick
  }

  /** Remove the line (the run is over). */
  stop(): void {
    if (!this.multi) return;
    this.multi.update();
    this.multi.stop();
    this.multi = undefined;
    this.bar = undefined;
  }
}
