import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type { TokenStats } from "../validate/stats.js";
import type { ReportData } from "./collect.js";
import { findingMarks, renderRecord } from "./record-view.js";

/** Charts are drawn by Observable Plot in Node, on linkedom's document, to static SVG: the page needs no script. */
const { document } = parseHTML("<!doctype html><html><body></body></html>");

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const num = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });

function svg(options: Plot.PlotOptions): string {
  return (Plot.plot({ document, width: 640, height: 220, marginLeft: 50, style: { fontSize: "11px" }, ...options }) as unknown as { outerHTML: string }).outerHTML;
}

/** A histogram of a tally's buckets, with an optional limit drawn as a rule. */
function histogram(stats: TokenStats, label: string, limit?: number): string {
  const marks: Plot.Markish[] = [Plot.rectY(stats.histogram, { x1: "from", x2: "to", y: "count", fill: "#4c78a8", insetLeft: 0.5 }), Plot.ruleY([0])];
  // The limit on the chart when it is within reach of the data; far beyond it, said in words (the bars would vanish).
  const drawn = limit !== undefined && limit <= stats.max * 3;
  if (drawn) marks.push(Plot.ruleX([limit], { stroke: "#d62728", strokeWidth: 2 }), Plot.text([limit], { x: (d: number) => d, text: () => `limit ${num(limit!)}`, frameAnchor: "top", dy: 6, dx: -4, textAnchor: "end", fill: "#d62728" }));
  const chart = svg({ x: { label, ...(drawn ? { domain: [Math.min(stats.min, limit!), Math.max(stats.max + 1, limit! * 1.02)] } : {}) }, y: { label: "records", grid: true, tickFormat: (d: number) => (Number.isInteger(d) ? num(d) : "") }, marks });
  return limit !== undefined && !drawn ? `<figcaption>The model's limit, ${num(limit)} tokens, is ${num(Math.round(limit / Math.max(1, stats.max)))}× the largest record: not drawn.</figcaption>${chart}` : chart;
}

function bars(data: { name: string; value: number }[], label: string): string {
  return svg({ marginLeft: 140, height: 40 + 22 * data.length, x: { label, grid: true }, y: { label: null, domain: data.map((d) => d.name) }, marks: [Plot.barX(data, { x: "value", y: "name", fill: "#4c78a8" }), Plot.text(data, { x: "value", y: "name", text: (d: { value: number }) => num(d.value), dx: 4, textAnchor: "start" }), Plot.ruleX([0])] });
}

function statsRow(name: string, s: TokenStats): string {
  return `<tr><th>${esc(name)}</th><td>${num(s.records)}</td><td>${num(s.total)}</td><td>${num(s.min)}</td><td>${num(s.mean)}</td><td>${num(s.p50)}</td><td>${num(s.p90)}</td><td>${num(s.p99)}</td><td>${num(s.max)}</td></tr>`;
}

/** The whole report as one self-contained HTML page (no script, no network). */
export function renderReport(d: ReportData, generated = "prep-data report"): string {
  const parts: string[] = [];
  const passes = d.findings.every((f) => f.severity !== "error");
  parts.push(`<h1>${esc(d.files.map((f) => f.split("/").pop()!).join(", "))}</h1>`);
  parts.push(`<table class="overview" id="overview">
<tr><th>records</th><td data-key="records">${num(d.records)}</td></tr>
<tr><th>lines</th><td data-key="lines">${num(d.lines)}</td></tr>
<tr><th>format</th><td data-key="format">${esc(d.format ?? (d.eval ? "eval results" : "—"))}</td></tr>
<tr><th>model</th><td data-key="model">${d.model ? `${esc(d.model.name)} (${esc(d.model.id)})` : "— (give --model to check its rules)"}</td></tr>
<tr><th>passes its rules</th><td data-key="passes" class="${passes ? "ok" : "bad"}">${passes ? "yes" : "no"}: ${num(d.valid)} of ${num(d.records)} records valid${!passes && d.valid === d.records ? "; the file itself breaks a rule (see the findings)" : ""}</td></tr>
<tr><th>duplicates</th><td data-key="duplicates">${num(d.duplicates)}</td></tr>
<tr><th>tokenizer</th><td data-key="tokenizer">${esc(d.tokenizer.name)}${d.tokenizer.exact ? "" : " (estimate)"}</td></tr>
${d.trainingTokens ? `<tr><th>training tokens</th><td data-key="training-tokens">${num(d.trainingTokens.perEpoch)} per epoch × ${d.trainingTokens.epochs} epochs = ${num(d.trainingTokens.total)}</td></tr>` : ""}
${d.limit ? `<tr><th>over the per-record limit</th><td data-key="over-limit">${num(d.limit.over)} (${d.records ? ((100 * d.limit.over) / d.records).toFixed(1) : 0} %) over ${num(d.limit.tokens)} ${esc(d.limit.what)} tokens</td></tr>` : ""}
</table>`);
  if (d.tokens || d.allTokens) {
    parts.push(`<h2>Tokens per record</h2>`);
    if (d.allTokens) parts.push(`<figure>${histogram(d.allTokens, `tokens per record (${d.tokenizer.name})`, d.limit?.tokens)}</figure>`);
    const rows = [...(d.tokens ? [statsRow("valid records", d.tokens)] : []), ...Object.entries(d.roles).map(([k, s]) => statsRow(k, s))];
    parts.push(`<table class="stats" id="token-stats"><tr><th></th><th>records</th><th>total</th><th>min</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>${rows.join("")}</table>`);
    for (const [role, s] of Object.entries(d.roles)) parts.push(`<h3>${esc(role)}</h3><figure>${histogram(s, `${role} tokens per record`)}</figure>`);
  }
  if (d.turns) parts.push(`<h2>Turns per conversation</h2><figure>${histogram(d.turns, "turns")}</figure>`);
  if (d.chars) parts.push(`<h2>Characters per record</h2><figure>${histogram(d.chars, "characters")}</figure>`);
  if (d.synth) {
    parts.push(`<h2>Synthetic data</h2>`);
    parts.push(`<figure>${bars(Object.entries(d.synth.kinds).map(([name, value]) => ({ name, value })), "records by origin")}</figure>`);
    if (d.synth.judgeScores.some((x) => x > 0)) parts.push(`<figure>${bars(d.synth.judgeScores.map((value, i) => ({ name: `score ${i + 1}`, value })), "pairs by judge score")}</figure>`);
    if (d.synth.topics.length) parts.push(`<figure>${bars(d.synth.topics.map(([name, value]) => ({ name: name.slice(0, 40), value })), "pairs by topic (the 20 most frequent)")}</figure>`);
    if (Object.keys(d.synth.styles).length) parts.push(`<figure>${bars(Object.entries(d.synth.styles).map(([name, value]) => ({ name, value })), "pairs by style")}</figure>`);
  }
  if (d.eval) {
    parts.push(`<h2>Evaluation</h2>`);
    const rows = Object.entries(d.eval.models).map(([m, s]) => `<tr><th>${esc(m)}</th><td>${s.prompts}</td><td>${s.failed}</td><td>${s.scored}</td>${s.metrics ? ["exact_match", "f1", "rouge1", "rouge2", "rougeL"].map((k) => `<td>${(s.metrics as unknown as Record<string, number>)[k]!.toFixed(3)}</td>`).join("") + `<td>${s.metrics.bleu.toFixed(2)}</td>` : "<td colspan=6>—</td>"}</tr>`);
    parts.push(`<table class="stats" id="eval-models"><tr><th>model</th><th>prompts</th><th>failed</th><th>scored</th><th>exact</th><th>F1</th><th>ROUGE-1</th><th>ROUGE-2</th><th>ROUGE-L</th><th>BLEU</th></tr>${rows.join("")}</table>`);
    const wins = Object.entries(d.eval.pairs).filter(([, p]) => p.winRate).map(([pair, p]) => ({ pair, rate: p.winRate!.rate, lo: p.winRate!.ci95[0], hi: p.winRate!.ci95[1], model: p.winRate!.model }));
    if (wins.length) parts.push(`<figure>${svg({ marginLeft: 160, height: 60 + 30 * wins.length, x: { domain: [0, 1], label: "win rate of the first model (95 % interval, ties excluded)", grid: true }, y: { label: null }, marks: [Plot.ruleY(wins, { y: "pair", x1: "lo", x2: "hi", stroke: "#4c78a8", strokeWidth: 3 }), Plot.dot(wins, { y: "pair", x: "rate", fill: "#d62728", r: 5 }), Plot.ruleX([0.5], { strokeDasharray: "4 3" })] })}</figure>`);
    parts.push(`<table class="stats" id="eval-pairs"><tr><th>pair</th><th>wins</th><th>ties</th><th>inconsistent</th><th>no verdict</th><th>win rate</th></tr>${Object.entries(d.eval.pairs).map(([pair, p]) => `<tr><th>${esc(pair)}</th><td>${Object.entries(p.wins).map(([m, w]) => `${esc(m)} ${w}`).join(", ")}</td><td>${p.ties}</td><td>${p.inconsistent}</td><td>${p.failed}</td><td>${p.winRate ? `${(p.winRate.rate * 100).toFixed(1)} % (${(p.winRate.ci95[0] * 100).toFixed(1)}–${(p.winRate.ci95[1] * 100).toFixed(1)} %)` : "—"}</td></tr>`).join("")}</table>`);
  }
  parts.push(`<h2>Findings</h2>`);
  if (!d.findings.length) parts.push(`<p id="no-findings">No findings.</p>`);
  for (const f of d.findings) {
    parts.push(`<details class="finding ${f.severity}" data-reason="${esc(f.reason)}" open><summary><b>${esc(f.reason)}</b> — ${f.severity}, <span class="count">${num(f.count)}</span></summary>${f.examples.map((e) => `<div class="example"><div class="where">${esc(e.source)}${e.line !== undefined ? `:${e.line}` : ""}: ${esc(e.message)}</div>${e.record !== undefined && typeof e.record === "object" && e.record && !Array.isArray(e.record) ? renderRecord(e.record as Record<string, unknown>, findingMarks(f.reason, e.message, e.record)) : e.record !== undefined ? `<pre>${esc(typeof e.record === "string" ? e.record : JSON.stringify(e.record))}</pre>` : ""}</div>`).join("")}</details>`);
  }
  if (d.duplicateClusters.length) {
    parts.push(`<h2>Duplicates</h2><p>${num(d.duplicates)} records repeat an earlier one (the same digest as validate's, whitespace normalised)${d.duplicateClusters.length === 20 ? "; the first 20 groups" : ""}:</p>`);
    const at = (p: { source: string; line: number }) => `${esc(p.source)}:${p.line}`;
    for (const c of d.duplicateClusters) parts.push(`<details class="duplicates"><summary><span class="where">${at(c.first)}</span> and <span class="count">${num(c.count)}</span> ${c.count === 1 ? "copy" : "copies"}: <span class="where">${c.copies.map(at).join(", ")}${c.count > c.copies.length ? ", …" : ""}</span></summary><article class="record">${renderRecord(c.record)}</article></details>`);
  }
  if (d.sample.length) {
    parts.push(`<h2>A sample of records</h2><p>${d.sample.length} records picked with seed ${d.seed}, in file order.</p>`);
    for (const s of d.sample) parts.push(`<article class="record"><div class="where">${esc(s.source)}:${s.line}</div>${renderRecord(s.record)}</article>`);
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="generator" content="${esc(generated)}">
<title>prep-data report: ${esc(d.files.join(", "))}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left}td{font-variant-numeric:tabular-nums}
.ok{color:#1a7f37}.bad{color:#c62828}figure{margin:1em 0}
details.finding{margin:.5em 0;border-left:4px solid #999;padding-left:.6em}details.error{border-color:#c62828}details.warning{border-color:#e0a000}
.example{margin:.5em 0 1em}.where{font-family:ui-monospace,monospace;font-size:12px;color:#555}
.record{border:1px solid #ddd;border-radius:6px;padding:.6em;margin:.8em 0}.turn{margin:.3em 0}.role{display:inline-block;min-width:6em;font-weight:600;color:#555}
.turn.assistant .role,.turn.completion .role{color:#1a7f37}.text{white-space:pre-wrap;display:inline}.mark{font-family:ui-monospace,monospace;font-size:12px;background:#f3f3f3;padding:.2em .4em;margin:.2em 0}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em}
mark.offending{background:#ffd6d6;outline:1px solid #c62828;color:inherit}.field{font-family:ui-monospace,monospace;font-size:12px;color:#555;margin:.2em 0}
</style></head><body>
${parts.join("\n")}
</body></html>
`;
}
