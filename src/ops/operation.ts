import { checkDistinctOutputs, checkOutputTarget, openSink, type Sink } from "../jsonl.js";
import type { Finding } from "../record.js";
import { rejectLine } from "../outputs/rejects.js";

/** Where a record operation writes: its output, and the refused lines and provenance beside it. */
export interface OperationOptions {
  /** The output file (`-` for stdout). */
  output: string;
  /** Each refused line and removed record, as JSONL. */
  rejects?: string;
  /** Provenance of each record written (merge). */
  metadata?: string;
  /** Each refused line (not JSON, not UTF-8, no group…) as it is found. */
  onFinding?: (f: Finding) => void;
  /** A line of the operation's own (e.g. the split's counts). */
  onNote?: (line: string) => void;
}

export interface OperationResult {
  name: string;
  read: number;
  written: number;
  /** Records removed or refused, by reason (duplicate, near-duplicate, not-sampled, json-syntax, no-group…). */
  removed: Record<string, number>;
  /** Whether the outputs were put in place (a run that keeps nothing replaces no existing file). */
  committed: boolean;
  /** Bytes of the main output. */
  bytes: number;
  elapsedMs: number;
  /** 0 done, 1 some lines refused (the rest written), 3 nothing written. */
  exitCode: number;
}

/** What an operation's body works with. */
export interface OperationContext {
  main: Sink;
  others: Map<string, Sink>;
  counts: { read: number; written: number; removed: Record<string, number> };
  /** Count a record removed by a reason that is the operation's purpose (a duplicate). */
  remove: (reason: string) => void;
  /** A line that is not a usable record: counted, reported and listed in --rejects. */
  reject: (f: Finding) => Promise<void>;
  note: (line: string) => void;
}

/** Reasons that refuse a line as input it could not read (exit 1); the others are what the command is for (duplicates). */
export const REFUSALS = new Set(["json-syntax", "schema", "format", "encoding", "no-group", "no-key", "judge-error", "judge-parse", "no-document", "no-question", "no-answer"]);

/**
 * Run a record operation: its outputs checked before any work (distinct, writable, not an input), the body run, then
 * every output committed together — or, when nothing was kept, none (an existing file is left as it was; --rejects
 * still says why).
 */
export async function runOperation(name: string, inputs: string[], o: OperationOptions, extra: { option: string; path: string | undefined }[], body: (ctx: OperationContext) => Promise<void>): Promise<OperationResult> {
  const outputs = [{ option: "-o", path: o.output }, { option: "--rejects", path: o.rejects }, { option: "--metadata", path: o.metadata }, ...extra];
  checkDistinctOutputs(outputs);
  for (const x of outputs) if (x.path !== undefined) checkOutputTarget(x.path, { inputs, option: x.option });
  const main = openSink(o.output, { inputs, option: "-o" });
  const others = new Map<string, Sink>();
  const counts = { read: 0, written: 0, removed: {} as Record<string, number> };
  let committed = true;
  const t0 = Date.now();
  try {
    for (const x of outputs.slice(1)) if (x.path !== undefined && !others.has(x.option)) others.set(x.option, openSink(x.path, { inputs, option: x.option }));
    const remove = (reason: string) => void (counts.removed[reason] = (counts.removed[reason] ?? 0) + 1);
    const reject = async (f: Finding) => {
      o.onFinding?.(f);
      remove(f.reason);
      await others.get("--rejects")?.write(rejectLine(f));
    };
    await body({ main, others, counts, remove, reject, note: (l) => o.onNote?.(l) });
    const rejects = others.get("--rejects");
    const data = [main, ...[...others].filter(([k]) => k !== "--rejects").map(([, v]) => v)];
    if (counts.written === 0 && counts.read > 0) {
      committed = false;
      for (const s of data) await s.abort();
    } else {
      for (const s of data) await s.finish?.();
      await rejects?.finish?.();
      for (const s of data) await s.close();
    }
    await rejects?.close();
  } catch (e) {
    for (const s of [main, ...others.values()]) await s.abort();
    throw e;
  }
  const exitCode = counts.written === 0 && counts.read > 0 ? 3 : Object.keys(counts.removed).some((k) => REFUSALS.has(k)) ? 1 : 0;
  return { name, ...counts, committed, bytes: committed ? (main.bytes ?? 0) : 0, elapsedMs: Date.now() - t0, exitCode };
}
