import { randomBytes, timingSafeEqual } from "node:crypto";
import { appendFileSync, createReadStream, createWriteStream, existsSync, readFileSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { checkOutputTarget, jsonLine } from "../jsonl.js";
import { RecordChecker } from "../validate/checker.js";
import { detectFormat } from "../validate/detect.js";
import { LineIndex } from "./lines.js";
import { REVIEW_PAGE } from "./page.js";

export type Decision = "accept" | "reject" | "edit";

/** One line of the decisions log: the last one for a line wins when the log is read back. */
export interface DecisionLine {
  line: number;
  decision: Decision;
  note?: string;
  /** The edited record (decision "edit"). */
  record?: unknown;
  at: string;
}

export interface ReviewOptions {
  model?: string;
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** The curated file (default FILE → FILE.curated.jsonl) and the decisions log (FILE.review-log.jsonl). */
  output?: string;
  log?: string;
}

export interface ReviewServer {
  url: string;
  token: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * `prep-data review FILE`: a page on 127.0.0.1 (a free port, a one-time token every request must carry) to read a
 * file's records with their findings, filter them, and accept, reject or edit each; an edit is checked against the
 * format (and the model's rules) before it is kept. Every decision is appended to a log beside the file, so reopening
 * resumes; Save writes the curated file atomically, never touching the original.
 */
export async function startReview(file: string, o: ReviewOptions = {}): Promise<ReviewServer> {
  const index = await LineIndex.build(file);
  const checker = await RecordChecker.create({ model: o.model });
  const token = randomBytes(16).toString("hex");
  const output = o.output ?? file.replace(/(\.jsonl)?$/, ".curated.jsonl");
  const logPath = o.log ?? file.replace(/(\.jsonl)?$/, ".review-log.jsonl");
  for (const [p, opt] of [[output, "--output"], [logPath, "--log"]] as const) checkOutputTarget(p, { inputs: [file], option: opt });
  const decisions = new Map<number, DecisionLine>();
  if (existsSync(logPath)) {
    for (const l of readFileSync(logPath, "utf8").split("\n")) {
      if (!l.trim()) continue;
      try {
        const d = JSON.parse(l) as DecisionLine;
        if (Number.isInteger(d.line) && ["accept", "reject", "edit"].includes(d.decision)) decisions.set(d.line, d);
      } catch {
        // a line cut by a killed run: skipped
      }
    }
  }
  const check = (text: string, line: number) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { value: undefined, findings: [{ reason: "json-syntax", severity: "error", message: (e as Error).message }] };
    }
    const format = detectFormat(value, checker.formats);
    if (!format) return { value, findings: [{ reason: "format", severity: "error", message: "not a record of a format prep-data reads" }] };
    return { value, format, findings: checker.check(value, format, { source: file, line }).map((f) => ({ reason: f.reason, severity: f.severity, message: f.message })) };
  };
  const authorised = (req: IncomingMessage, url: URL) => {
    const given = url.searchParams.get("token") ?? req.headers["x-review-token"];
    if (typeof given !== "string" || given.length !== token.length) return false;
    return timingSafeEqual(Buffer.from(given), Buffer.from(token));
  };
  const body = (req: IncomingMessage) => new Promise<unknown>((res, rej) => {
    let s = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      s += c;
      if (s.length > 16 << 20) req.destroy(new Error("request too large"));
    });
    req.on("end", () => {
      try {
        res(JSON.parse(s || "{}"));
      } catch (e) {
        rej(e);
      }
    });
    req.on("error", rej);
  });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const send = (status: number, v: unknown, type = "application/json") => {
      res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'" });
      res.end(type === "application/json" ? JSON.stringify(v) : String(v));
    };
    if (!authorised(req, url)) return send(403, { error: "the URL's token is missing or wrong: open the URL prep-data review printed" });
    try {
      if (req.method === "GET" && url.pathname === "/") return send(200, REVIEW_PAGE, "text/html; charset=utf-8");
      if (req.method === "GET" && url.pathname === "/api/records") {
        // Records from a line on, filtered by finding reason, decision or text: read by byte offset, a page at a time.
        const from = Math.max(1, Number(url.searchParams.get("from") ?? 1));
        const limit = Math.min(200, Math.max(1, Number(url.searchParams.get("limit") ?? 50)));
        const q = (url.searchParams.get("q") ?? "").toLowerCase();
        const reason = url.searchParams.get("finding") ?? "";
        const decision = url.searchParams.get("decision") ?? "";
        const out: unknown[] = [];
        let line = from;
        while (out.length < limit && line <= index.count) {
          for (const l of await index.read(line, 500)) {
            line = l.line + 1;
            if (!l.text.trim()) continue;
            if (q && !l.text.toLowerCase().includes(q)) continue;
            const d = decisions.get(l.line);
            if (decision && (d?.decision ?? "undecided") !== decision) continue;
            const c = check(d?.decision === "edit" ? JSON.stringify(d.record) : l.text, l.line);
            if (reason && !c.findings.some((f) => f.reason === reason)) continue;
            out.push({ line: l.line, text: l.text, ...(d ? { decision: d.decision, note: d.note, edited: d.record } : {}), findings: c.findings });
            if (out.length >= limit) break;
          }
        }
        return send(200, { file, lines: index.count, next: line <= index.count ? line : null, records: out, decided: decisions.size });
      }
      if (req.method === "POST" && url.pathname === "/api/decide") {
        const b = (await body(req)) as { line?: number; decision?: Decision; note?: string; record?: string };
        if (!Number.isInteger(b.line) || b.line! < 1 || b.line! > index.count || !["accept", "reject", "edit"].includes(b.decision ?? "")) return send(400, { error: "expected {line, decision: accept|reject|edit, note?, record? (the edited JSON text)}" });
        let record: unknown;
        if (b.decision === "edit") {
          // An edit is kept only when it passes the format and the model's rules, as every record prep-data writes.
          const c = check(b.record ?? "", b.line!);
          if (c.findings.some((f) => f.severity === "error")) return send(422, { error: "the edited record is refused", findings: c.findings });
          record = c.value;
        }
        const d: DecisionLine = { line: b.line!, decision: b.decision!, ...(b.note ? { note: String(b.note).slice(0, 2000) } : {}), ...(record !== undefined ? { record } : {}), at: new Date().toISOString() };
        appendFileSync(logPath, JSON.stringify(d) + "\n");
        decisions.set(d.line, d);
        return send(200, { ok: true, decided: decisions.size });
      }
      if (req.method === "POST" && url.pathname === "/api/save") {
        // The curated file: rejected lines left out, edited ones replaced, the rest byte for byte; written to a temp
        // file beside it and renamed, so a failure leaves an earlier curated file as it was.
        const tmp = `${output}.${process.pid}.tmp`;
        const w = createWriteStream(tmp);
        let kept = 0;
        let rejected = 0;
        let edited = 0;
        let n = 0;
        try {
          for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
            n++;
            if (!text.trim()) continue;
            const d = decisions.get(n);
            if (d?.decision === "reject") {
              rejected++;
              continue;
            }
            if (d?.decision === "edit") edited++;
            if (!w.write(d?.decision === "edit" ? jsonLine(d.record) : `${text}\n`)) await new Promise((r) => w.once("drain", r));
            kept++;
          }
          await new Promise<void>((r, j) => w.end((e?: Error | null) => (e ? j(e) : r())));
          await rename(tmp, output);
        } catch (e) {
          w.destroy();
          await rm(tmp, { force: true });
          throw e;
        }
        return send(200, { output, log: logPath, kept, rejected, edited });
      }
      return send(404, { error: "no such route" });
    } catch (e) {
      return send(500, { error: (e as Error).message });
    }
  });
  // 127.0.0.1 only: never another address.
  await new Promise<void>((res, rej) => server.listen(o.port ?? 0, "127.0.0.1", res).on("error", rej));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    server,
    close: () => new Promise((r) => (server.closeAllConnections?.(), server.close(() => r()))),
  };
}
