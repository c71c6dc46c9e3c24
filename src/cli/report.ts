import { rejectedTotal, type Summary } from "../pipeline.js";
import { describeOrigin, type Finding, type Origin } from "../record.js";
import { Progress } from "./progress.js";

/**
 * Prints findings to stderr (the first `max`, then a count), the live progress line on a terminal (cli-progress,
 * through {@link Progress}: every other line is printed above it), and the closing summary.
 */
export class Reporter {
  /** Errors are printed as they come, up to `max`; warnings wait for the room errors leave (errors first). */
  private shown = 0;
  private hiddenErrors = 0;
  private hiddenWarnings = 0;
  private warningsHeld: Finding[] = [];
  readonly progressLine: Progress;
  constructor(
    private readonly max = 20,
    private readonly quiet = false,
    progress?: Progress,
  ) {
    this.progressLine = progress ?? new Progress({ quiet });
  }

  /** One line on stderr, above the progress line. */
  line = (text: string): void => this.progressLine.line(text);

  finding = (f: Finding): void => {
    report.finding(f, this.max);
    if (f.severity === "error") {
      if (this.shown >= this.max) {
        this.hiddenErrors++;
        return;
      }
      this.shown++;
      this.print(f);
      // An error takes the room of a held warning.
      if (this.shown + this.warningsHeld.length > this.max) {
        this.warningsHeld.pop();
        this.hiddenWarnings++;
      }
      return;
    }
    if (this.shown + this.warningsHeld.length >= this.max) {
      this.hiddenWarnings++;
      return;
    }
    this.warningsHeld.push(f);
  };

  private print(f: Finding): void {
    this.line(`${f.severity}: ${describeOrigin(f.origin)}: ${f.reason}: ${f.message}`);
  }

  /** The warnings held back for errors, then how many findings were not shown, by severity. */
  flushFindings(): void {
    for (const f of this.warningsHeld) this.print(f);
    this.shown += this.warningsHeld.length;
    this.warningsHeld = [];
    const e = this.hiddenErrors;
    const w = this.hiddenWarnings;
    if (e || w) {
      const parts = [e ? `${e} error${e === 1 ? "" : "s"}` : "", w ? `${w} warning${w === 1 ? "" : "s"}` : ""].filter(Boolean).join(" and ");
      this.line(`… ${parts} more not shown (--max-findings${e ? "; --rejects FILE lists every refused row" : ""}; --report FILE has them by reason)`);
    }
    this.hiddenErrors = 0;
    this.hiddenWarnings = 0;
  }

  notice = (message: string): void => {
    if (this.quiet) return;
    this.line(`note: ${message}`);
  };

  /** The pipeline's counts, shown beside the progress figures. */
  progress = (s: Summary): void => {
    this.last = s;
    this.meter?.();
  };

  /** Counts text for the progress line (built when drawn, not per record), and the hook that redraws it. */
  get counts(): string {
    const s = this.last;
    return s ? `read ${s.read.toLocaleString("en-US")}  written ${s.written.toLocaleString("en-US")}  rejected ${rejectedTotal(s).toLocaleString("en-US")}` : "";
  }
  private last?: Summary;
  meter?: () => void;

  summary(s: Summary, label?: string, extra?: string): void {
    this.progressLine.stop();
    this.flushFindings();
    if (this.quiet) return;
    const rej = rejectedTotal(s);
    const reasons = Object.entries(s.rejected)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    const warn = Object.entries(s.warnings)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    const out = s.committed === false ? `nothing written (${s.output === "-" ? "stdout" : `${s.output} left as it was`})` : s.output === "-" ? "stdout" : s.output;
    const tally = (m: Record<string, number> | undefined) =>
      Object.entries(m ?? {})
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
    const removed = Object.values(s.removed ?? {}).reduce((a, b) => a + b, 0);
    const extraCounts = `${removed ? `, removed ${removed} (${tally(s.removed)})` : ""}${s.redacted ? `, redacted: ${tally(s.redacted)}` : ""}`;
    this.line(
      `${label ? label + ": " : ""}read ${s.read}, written ${s.written}${s.validation !== undefined || s.test !== undefined ? ` (${[s.validation !== undefined ? `${s.validation} to validation` : "", s.test !== undefined ? `${s.test} to test` : ""].filter(Boolean).join(", ")})` : ""}, rejected ${rej}${rej ? ` (${reasons})` : ""}${extraCounts}${warn ? `, warnings: ${warn}` : ""} → ${out} in ${(s.elapsedMs / 1000).toFixed(2)} s${extra ? ` ${extra}` : ""}`,
    );
  }
}

/** A file a run wrote. */
export interface ReportOutput {
  role: string;
  path: string;
  bytes: number;
  records?: number;
}

/** What `--report FILE` writes: the closing summary of the whole command as one JSON object. */
export interface RunReport {
  ok: boolean;
  exitCode: number;
  /** Set when the run failed before it could finish (the message printed on stderr). */
  error?: string;
  read: number;
  written: number;
  validation?: number;
  rejected: Record<string, number>;
  warnings: Record<string, number>;
  outputs: ReportOutput[];
  elapsedMs: number;
  /** Findings by reason: severity, count, and the first examples (as many as --max-findings) with their origin. */
  findings?: Record<string, ReasonFindings>;
  /** Command-specific parts: Hub commit, PDF files, the model's file-level rules, a validation report. */
  [key: string]: unknown;
}

export interface ReasonFindings {
  severity: "error" | "warning";
  count: number;
  examples: ({ message: string } & Origin)[];
}

/**
 * Collects the summaries of a command's runs (dialogsum --validation makes two) and writes them as one report at
 * the end, also when the command fails. Totals add up; outputs are listed in the order written.
 */
export class ReportCollector {
  target?: string;
  private report: RunReport = { ok: true, exitCode: 0, read: 0, written: 0, rejected: {}, warnings: {}, outputs: [], elapsedMs: 0 };
  private started = Date.now();

  add(s: Summary, outputs: ReportOutput[] = [], extra: Record<string, unknown> = {}): void {
    const r = this.report;
    r.read += s.read;
    r.written += s.written;
    if (s.validation !== undefined) r.validation = (r.validation ?? 0) + s.validation;
    for (const [k, v] of Object.entries(s.rejected)) r.rejected[k] = (r.rejected[k] ?? 0) + v;
    for (const [k, v] of Object.entries(s.warnings)) r.warnings[k] = (r.warnings[k] ?? 0) + v;
    for (const part of ["removed", "redacted"] as const) {
      if (!s[part]) continue;
      const into = ((r[part] as Record<string, number> | undefined) ??= {});
      for (const [k, v] of Object.entries(s[part]!)) into[k] = (into[k] ?? 0) + v;
    }
    r.outputs.push(...outputs);
    for (const [k, v] of Object.entries(extra)) {
      if (v !== undefined) r[k] = r[k] === undefined ? v : ([] as unknown[]).concat(r[k], v);
    }
  }

  /** One finding: counted under its reason, kept as an example while the reason has fewer than `max`. */
  finding(f: Finding, max: number): void {
    const all = (this.report.findings ??= {});
    const key = f.severity === "warning" && all[f.reason]?.severity === "error" ? `${f.reason} (warning)` : f.reason;
    const r = (all[key] ??= { severity: f.severity, count: 0, examples: [] });
    r.count += f.rows ?? 1;
    if (r.examples.length < max) {
      const { meta: _meta, ...origin } = f.origin;
      r.examples.push({ ...origin, message: f.message });
    }
  }

  /** Parts of the report that are not a pipeline summary (a validation report). */
  set(extra: Record<string, unknown>): void {
    Object.assign(this.report, extra);
  }

  /** Write the report to its target (if --report was given): stdout for `-`, else atomically to the file. */
  async write(exitCode: number, error?: string): Promise<void> {
    const target = this.target;
    if (!target) return;
    this.target = undefined;
    const report: RunReport = { ...this.report, ok: exitCode === 0, exitCode, ...(error ? { error } : {}), elapsedMs: Date.now() - this.started };
    const { openSink } = await import("../jsonl.js");
    const sink = openSink(target, { option: "--report" });
    try {
      // Error messages may quote a server's reply: the keys this process sent are masked.
      const { maskSecrets } = await import("../secrets.js");
      await sink.write(JSON.parse(maskSecrets(JSON.stringify(report))));
      await sink.close();
    } catch (e) {
      await sink.abort();
      throw e;
    }
  }
}

/** The one collector of this process's command. */
export const report = new ReportCollector();
