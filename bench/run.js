// npm run bench: throughput and peak memory of prep-data's main jobs on ../shared data.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHubServer } from "../test/helpers/hub-server.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const only = process.argv[2];

// tokens: the worst case for a BPE counter — long text without spaces is one pre-tokenizer piece.
if (!only || only === "tokens") {
  const { loadTokenCounter } = await import("../dist/index.js");
  // Different text for each counter (k), so no counter finds another's pieces in the shared cl100k cache.
  const gen = {
    CJK: (n, k) => Array.from({ length: n }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919 + k * 31) % 20000))).join(""),
    base64: (n, k) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 2654435761 + k) % 256)).toString("base64").slice(0, n),
    "minified JS": (n, k) => Array.from({ length: Math.ceil(n / 30) }, (_, i) => `var a${k}=function(b){return b+${i}};`).join("").slice(0, n),
  };
  console.log("token counting, one record of text without spaces (seconds per count; first count includes building the rank table)");
  for (const [k, name] of ["cl100k", "o200k", "llama3", "llama2", "estimate"].entries()) {
    const c = await loadTokenCounter(name);
    const cells = [];
    for (const [label, make] of Object.entries(gen)) {
      for (const n of [10_000, 40_000, 80_000]) {
        const t = make(n, k);
        const t0 = performance.now();
        c.count(t);
        cells.push(`${label} ${n / 1000}k ${((performance.now() - t0) / 1000).toFixed(3)}`);
      }
    }
    console.log(`  ${name.padEnd(9)} ${cells.join(" | ")}`);
  }
  if (only === "tokens") process.exit(0);
  console.log("");
}

// synth: documents against the teacher stand-in with 100 ms per request; throughput against the ideal
// (concurrency / latency) and peak RSS at two sizes (memory must not grow with the input).
if (!only || only === "synth") {
  const { startTeacherServer } = await import("../test/helpers/teacher-server.js");
  const { writeFileSync } = await import("node:fs");
  const work = mkdtempSync(join(tmpdir(), "prep-data-bench-synth-"));
  const latency = 100;
  const concurrency = 32;
  const server = await startTeacherServer({ latencyMs: latency });
  const runAsync = promisify(execFile);
  console.log(`synth: documents → 3 pairs each, teacher stand-in with ${latency} ms per request, --concurrency ${concurrency} (whole process)`);
  for (const [n, verify] of [[2000, false], [20000, false], [2000, true]]) {
    const csv = join(work, `docs-${n}.csv`);
    writeFileSync(csv, "document,question,answer\n" + Array.from({ length: n }, (_, i) => `"Document ${i}: the pump at station ${i} must be primed before it starts, and its filter is serviced every ${1 + (i % 12)} months.",What must be done before station ${i}'s pump starts?,It must be primed.`).join("\n") + "\n");
    const before = server.seen.length;
    const { stderr } = await runAsync(process.execPath, [join(root, "bench/cli-child.js"), "synth", csv, "--teacher", "openai:bench-teacher", "--base-url", `${server.url}/v1`, "--concurrency", String(concurrency), "--no-cache", "-q", ...(verify ? ["--verify"] : []), "-o", join(work, `out-${n}.jsonl`)], { maxBuffer: 1 << 24 });
    const r = JSON.parse(stderr.trim().split("\n").pop());
    const seen = server.seen.slice(before);
    const requests = seen.length;
    const rate = requests / r.seconds;
    // Steady state, as the server saw it: first request to last reply (start-up and module loading excluded).
    const steady = requests / ((seen.at(-1).t - seen[0].t) / 1000 + latency / 1000);
    const ideal = concurrency / (latency / 1000);
    console.log(`  ${String(n).padStart(6)} documents${verify ? " --verify (a judge call per pair)" : ""}: ${requests} requests, ${r.seconds.toFixed(2)} s; ${steady.toFixed(0)} requests/s steady = ${(steady / ideal).toFixed(2)} × the ideal ${ideal}/s (${(rate / ideal).toFixed(2)} × counting start-up); peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB, exit ${r.code}`);
  }
  await server.close();
  rmSync(work, { recursive: true, force: true });
  if (only === "synth") process.exit(0);
  console.log("");
}

// s3: upload (validation, sha256, multipart, read-back check) and a streamed read (validate s3://…) against s3rver,
// next to a plain copy of the same bytes; peak RSS must stay flat.
if (!only || only === "s3") {
  const { startS3 } = await import("../test/helpers/aws-stand-ins.js");
  const { createWriteStream: cws, copyFileSync } = await import("node:fs");
  const work = mkdtempSync(join(tmpdir(), "prep-data-bench-s3-"));
  const s3 = await startS3({ directory: join(work, "store"), buckets: ["bench"] });
  const size = Number(process.env.BENCH_S3_MB ?? 1000) * 1e6;
  const file = join(work, "train.jsonl");
  const out = cws(file);
  let bytes = 0;
  for (let i = 0; bytes < size; i++) {
    const line = JSON.stringify({ prompt: `Question ${i}: ${"lorem ipsum dolor sit amet ".repeat(8)}`, completion: `Answer ${i}` }) + "\n";
    bytes += line.length;
    if (!out.write(line)) await new Promise((r) => out.once("drain", r));
  }
  await new Promise((r) => out.end(r));
  const mb = bytes / 1e6;
  const runAsync = promisify(execFile);
  const env = { ...process.env, ...s3.env };
  const cli = async (args) => JSON.parse((await runAsync(process.execPath, [join(root, "bench/cli-child.js"), ...args], { env, maxBuffer: 1 << 26 })).stderr.trim().split("\n").pop());
  console.log(`s3: ${mb.toFixed(0)} MB JSONL against s3rver on 127.0.0.1 (whole process)`);
  const t0 = performance.now();
  copyFileSync(file, join(work, "copy.jsonl"));
  const copy = (performance.now() - t0) / 1000;
  console.log(`  plain file copy:        ${copy.toFixed(2)} s = ${(mb / copy).toFixed(0)} MB/s`);
  const up = await cli(["upload", file, "s3://bench/data/", "--force", "-q"]);
  console.log(`  upload (validate + sha256 + multipart + read-back sha256): ${up.seconds.toFixed(2)} s = ${(mb / up.seconds).toFixed(0)} MB/s (${(copy / up.seconds).toFixed(2)}× the copy's throughput), peak RSS ${(up.maxRssKb / 1024).toFixed(0)} MB, exit ${up.code}`);
  const rd = await cli(["validate", "s3://bench/data/train.jsonl", "-q"]);
  console.log(`  stream-read (validate s3://…): ${rd.seconds.toFixed(2)} s = ${(mb / rd.seconds).toFixed(0)} MB/s (${(copy / rd.seconds).toFixed(2)}× the copy's throughput), peak RSS ${(rd.maxRssKb / 1024).toFixed(0)} MB, exit ${rd.code}`);
  const lv = await cli(["validate", file, "-q"]);
  // validate keeps one 12-byte slot per record (duplicate detection, at most half full): that part grows with records.
  const records = Number(execFileSync("wc", ["-l", file], { encoding: "utf8" }).trim().split(" ")[0]);
  const table = (12 * 2 ** Math.ceil(Math.log2(records * 2))) / 2 ** 20;
  console.log(`  the same validate on the local file: ${lv.seconds.toFixed(2)} s, peak RSS ${(lv.maxRssKb / 1024).toFixed(0)} MB (S3 adds ${((rd.maxRssKb - lv.maxRssKb) / 1024).toFixed(0)} MB; of either, the duplicate table for ${records.toLocaleString("en-US")} records is ${table.toFixed(0)} MB)`);
  const cp = await cli(["json", "s3://bench/data/train.jsonl", "--prompt", "{prompt}", "--completion", "{completion}", "-o", "s3://bench/copy/train.jsonl", "-q"]);
  console.log(`  S3 → S3 record copy (json s3://… -o s3://…, streamed both ways, no duplicate table): ${cp.seconds.toFixed(2)} s = ${(mb / cp.seconds).toFixed(0)} MB/s, peak RSS ${(cp.maxRssKb / 1024).toFixed(0)} MB, exit ${cp.code}`);
  await s3.close();
  rmSync(work, { recursive: true, force: true });
  if (only === "s3") process.exit(0);
  console.log("");
}

// dedup: a generated instruction file (default 1,000,000 records, ~1 GB) with 10 % exact and 10 % near duplicates
// of earlier records planted; records/s, peak RSS, and recall/precision of the near-duplicates found.
if (!only || only === "dedup") {
  const records = Number(process.env.BENCH_DEDUP_RECORDS ?? 1_000_000);
  const work = mkdtempSync(join(tmpdir(), "prep-data-bench-dedup-"));
  const file = join(work, "train.jsonl");
  let seed = 0x12345678;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const syll = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pe", "da", "gu", "zo", "fi", "be", "an", "or"];
  const vocab = Array.from({ length: 4096 }, (_, i) => syll[i & 15] + syll[(i >> 4) & 15] + syll[i >> 8]);
  const words = (n) => Array.from({ length: n }, () => vocab[Math.floor(rand() * vocab.length)]).join(" ");
  const shingles = (t) => {
    const w = t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    return new Set(w.slice(4).map((_, i) => w.slice(i, i + 5).join(" ")));
  };
  const jaccard = (x, y) => {
    const [a, b] = [shingles(x), shingles(y)];
    const inter = [...a].filter((s) => b.has(s)).length;
    return inter / (a.size + b.size - inter);
  };
  const truth = new Float32Array(records);
  // kind[i]: 0 original, 1 exact copy (whitespace changed), 2 near copy.
  const kind = new Uint8Array(records);
  const originals = [];
  const out = createWriteStream(file);
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < records; i++) {
    const r = rand();
    let rec;
    if (originals.length > 100 && r < 0.2) {
      const base = originals[Math.floor(rand() * originals.length)];
      if (r < 0.1) {
        kind[i] = 1;
        rec = { prompt: base.prompt.replace(" ", "  "), completion: ` ${base.completion}` };
      } else {
        // A near copy: one or two words replaced, the first word capitalised, a trailing punctuation mark; its true Jaccard
        // similarity of 5-word shingles to the original is measured below.
        kind[i] = 2;
        const w = base.prompt.split(" ");
        for (let k = rand() < 0.5 ? 1 : 2; k > 0; k--) w[Math.floor(rand() * w.length)] = vocab[Math.floor(rand() * vocab.length)];
        rec = { prompt: w.join(" ").replace(/^./, (c) => c.toUpperCase()) + "!", completion: base.completion };
        truth[i] = jaccard(`${base.prompt}\n${base.completion}`, `${rec.prompt}\n${rec.completion}`);
      }
    } else {
      rec = { prompt: `Answer the question about the passage. ${words(100)}`, completion: words(30) };
      // Keep a bounded pool of originals to copy from (memory of the generator, not of prep-data).
      if (originals.length < 20000) originals.push(rec);
      else originals[Math.floor(rand() * 20000)] = rec;
    }
    const line = JSON.stringify(rec) + "\n";
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await new Promise((res) => out.once("drain", res));
  }
  await new Promise((res, rej) => out.end((e) => (e ? rej(e) : res())));
  const planted = { exact: kind.filter((k) => k === 1).length, near: kind.filter((k) => k === 2).length };
  console.log(`dedup --near: ${records.toLocaleString("en-US")} instruction records, ${(bytes / 1e6).toFixed(0)} MB (generated in ${((performance.now() - t0) / 1000).toFixed(1)} s), planted ${planted.exact.toLocaleString("en-US")} exact and ${planted.near.toLocaleString("en-US")} near duplicates`);
  const js = truth.filter((_, i) => kind[i] === 2).sort();
  console.log(`  planted near copies' true Jaccard similarity of 5-word shingles: min ${js[0].toFixed(3)}, median ${js[js.length >> 1].toFixed(3)}, max ${js.at(-1).toFixed(3)}; the default threshold is 0.8`);
  const rejects = join(work, "rejects.jsonl");
  const runAsync = promisify(execFile);
  const { stderr } = await runAsync(process.execPath, [join(root, "bench/cli-child.js"), "dedup", file, "--near", "--rejects", rejects, "-o", join(work, "out.jsonl"), "-q"], { maxBuffer: 1 << 24 });
  const r = JSON.parse(stderr.trim().split("\n").pop());
  const found = { duplicate: 0, "near-duplicate": 0 };
  let truePos = 0;
  let nearFound = 0;
  const byJ = { low: [0, 0], high: [0, 0] };
  for (let i = 0; i < records; i++) if (kind[i] === 2) byJ[truth[i] < 0.9 ? "low" : "high"][1]++;
  for await (const l of createInterface({ input: createReadStream(rejects) })) {
    if (!l) continue;
    const x = JSON.parse(l.slice(0, l.indexOf(',"kept"')) + "}");
    found[x.reason]++;
    const k = kind[x.line - 1];
    if (k === 1 || k === 2) truePos++;
    if (k === 2) {
      nearFound++;
      byJ[truth[x.line - 1] < 0.9 ? "low" : "high"][0]++;
    }
  }
  const removed = found.duplicate + found["near-duplicate"];
  const t = r.seconds;
  console.log(`  time:      ${t.toFixed(1)} s = ${Math.round(records / t).toLocaleString("en-US")} records/s, ${(bytes / 1e6 / t).toFixed(1)} MB/s (whole process), exit ${r.code}`);
  console.log(`  peak RSS:  ${(r.maxRssKb / 1024).toFixed(0)} MB (target < 500 MB)`);
  console.log(`  removed:   ${found.duplicate.toLocaleString("en-US")} duplicate, ${found["near-duplicate"].toLocaleString("en-US")} near-duplicate`);
  console.log(`  exact:     ${found.duplicate === planted.exact ? "all planted exact copies found as duplicate" : `${found.duplicate} found for ${planted.exact} planted`}`);
  console.log(`  near:      recall ${(nearFound / planted.near).toFixed(4)} (target ≥ 0.95), precision of all removals ${(truePos / removed).toFixed(4)} (target ≥ 0.99)`);
  console.log(`  by true similarity: below 0.90 recall ${(byJ.low[0] / byJ.low[1]).toFixed(4)} of ${byJ.low[1].toLocaleString("en-US")}; 0.90 and above recall ${(byJ.high[0] / byJ.high[1]).toFixed(4)} of ${byJ.high[1].toLocaleString("en-US")} (MinHash with 112 hashes estimates J = 0.87 with a standard deviation of 0.032)`);
  rmSync(work, { recursive: true, force: true });
  if (only === "dedup") process.exit(0);
  console.log("");
}

const shared = process.env.SHARED_DIR ?? join(root, "..", "shared");
// ocr: page images through tesseract.js against the tesseract command line (bench/ocr.js).
if (!only || only === "ocr") {
  if (existsSync(join(shared, "corpus"))) await (await import("./ocr.js")).benchOcr({ root, shared });
  else console.log(`OCR: SKIPPED: ${shared}/corpus not found (set SHARED_DIR)`);
  if (only === "ocr") process.exit(0);
  console.log("");
}
if (!existsSync(join(shared, "datasets/hf"))) {
  console.log(`SKIPPED: ${shared}/datasets/hf not found (set SHARED_DIR)`);
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), "prep-data-bench-"));
const server = await startHubServer({ root: join(shared, "datasets/hf") });
const env = { ...process.env, HF_ENDPOINT: server.url, HF_HUB_CACHE: join(work, "cache") };
delete env.HF_HUB_OFFLINE;
// The Hub server lives in this process, so children run asynchronously (a sync spawn would starve it).
const run = promisify(execFile);
const child = async (out) => JSON.parse((await run(process.execPath, [join(root, "bench/prepare-child.js"), out], { env, encoding: "utf8" })).stdout);

const csvBytes = statSync(join(shared, "datasets/hf/datasets/knkarthick/dialogsum/main/train.csv")).size;
console.log("DialogSum train (12,460 rows) → instruction JSONL, from a local Hub server");
const cold = await child(join(work, "cold.jsonl"));
console.log(`  first run (downloads ${cold.downloaded} file, ${(csvBytes / 1e6).toFixed(1)} MB): ${cold.seconds.toFixed(2)} s`);
const runs = [];
for (const i of [1, 2, 3]) runs.push(await child(join(work, `warm${i}.jsonl`)));
const best = runs.reduce((a, b) => (a.seconds < b.seconds ? a : b));
const peak = Math.max(...runs.map((r) => r.maxRssKb));
console.log(`  cached runs (best of 3): ${best.seconds.toFixed(3)} s`);
console.log(`  rows/s:        ${Math.round(best.read / best.seconds).toLocaleString("en-US")}`);
console.log(`  MB/s in (CSV): ${(csvBytes / 1e6 / best.seconds).toFixed(1)}`);
console.log(`  MB/s out:      ${(best.outBytes / 1e6 / best.seconds).toFixed(1)}`);
console.log(`  peak RSS:      ${(peak / 1024).toFixed(0)} MB`);
{
  // The CLI as a user runs it (whole process, start-up included), plain and with exact token checks, next to the
  // original demo's `datasets` pipeline (load, map the template, to_json) over the same CSV in the same run.
  const cliRun = async (args) => JSON.parse((await run(process.execPath, [join(root, "bench/cli-child.js"), ...args], { env, encoding: "utf8" })).stderr.trim().split("\n").pop());
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const plain = [];
  const checked = [];
  const py = join(work, "demo.py");
  (await import("node:fs")).writeFileSync(
    py,
    `import sys, time
t0 = time.time()
from datasets import load_dataset
ds = load_dataset("csv", data_files={"train": sys.argv[1]})
def wrap_instruction_fn(example):
    prompt = 'Summarize the simplest and most interesting part of the following conversation.\\n\\n'
    end_prompt = '\\n\\nSummary: '
    example["instruction"] = prompt + example["dialogue"] + end_prompt
    return example
ds['train'].select_columns(['dialogue', 'summary']).map(wrap_instruction_fn).remove_columns(['dialogue']).rename_column('instruction', 'prompt').rename_column('summary', 'completion').to_json(sys.argv[2], index=False)
print(time.time() - t0)
`,
  );
  const hasDatasets = await run("python3", ["-c", "import datasets"]).then(() => true, () => false);
  const demoRun = async () => {
    const t0 = performance.now();
    await run("python3", [py, join(shared, "datasets/hf/datasets/knkarthick/dialogsum/main/train.csv"), join(work, "demo.jsonl")], { env: { ...process.env, HF_DATASETS_CACHE: join(work, "dcache"), HF_HUB_OFFLINE: "1" } });
    return (performance.now() - t0) / 1000;
  };
  // The demo's first run builds its Arrow cache: run once untimed, so each timed run is a cached one as ours are.
  if (hasDatasets) await demoRun();
  // Each round runs the demo, then each of ours, so all see the same load of this shared machine.
  const demo = [];
  for (let i = 0; i < 3; i++) {
    if (hasDatasets) demo.push(await demoRun());
    plain.push((await cliRun(["dialogsum", "-o", join(work, "cli.jsonl"), "-q"])).seconds);
    checked.push((await cliRun(["dialogsum", "--model", "llama2-13b", "-o", join(work, "cli-llama.jsonl"), "-q"])).seconds);
  }
  console.log(`  prep-data dialogsum (whole process, median of 3):                    ${median(plain).toFixed(2)} s`);
  console.log(`  prep-data dialogsum --model llama2-13b (exact Llama 2 token checks): ${median(checked).toFixed(2)} s`);
  if (!hasDatasets) console.log("  demo pipeline (Python datasets): SKIPPED — the `datasets` package is not installed (pip install datasets), so no ratio");
  else {
    const d = median(demo);
    console.log(`  demo pipeline (Python datasets, whole process, its cache built, median of 3): ${d.toFixed(2)} s`);
    console.log(`  ratios to the demo: plain ${(median(plain) / d).toFixed(2)}× (target ≤ 0.4), --model llama2-13b ${(median(checked) / d).toFixed(2)}× (target ≤ 0.5)`);
  }
}
await server.close();
if (only === "dialogsum") process.exit(0);

// validate: a generated ~1 GB instruction file (DialogSum records, each made unique), against jq on the same file.
if (!only || only === "validate") {
  const size = Number(process.env.BENCH_VALIDATE_MB ?? 1000) * 1e6;
  const big = join(work, "big.jsonl");
  const out = createWriteStream(big);
  const src = [];
  for await (const line of createInterface({ input: createReadStream(join(work, "warm1.jsonl")) })) src.push(JSON.parse(line));
  let bytes = 0;
  for (let i = 0; bytes < size; i++) {
    const r = src[i % src.length];
    const line = JSON.stringify({ prompt: r.prompt, completion: `${r.completion} (#${i})` }) + "\n";
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await new Promise((res) => out.once("drain", res));
  }
  await new Promise((res) => out.end(res));
  const mb = statSync(big).size / 1e6;
  console.log(`\nprep-data validate ${mb.toFixed(0)} MB instruction JSONL --model titan-express (whole process, start-up included)`);
  const cli = async (args) => {
    const { stderr } = await run(process.execPath, [join(root, "bench/cli-child.js"), ...args], { maxBuffer: 1 << 24 });
    return JSON.parse(stderr.trim().split("\n").pop());
  };
  const runs = [];
  for (const [label, extra] of [["default (1 worker)", []], ["--jobs 2", ["--jobs", "2"]]]) {
    const v = await cli(["validate", big, "--model", "titan-express", ...extra]);
    runs.push(v);
    console.log(`  ${label.padEnd(19)} ${v.seconds.toFixed(2)} s = ${(mb / v.seconds).toFixed(1)} MB/s, peak RSS ${(v.maxRssKb / 1024).toFixed(0)} MB, exit ${v.code}`);
  }
  // report: the same file, one pass to an HTML page, against validate --stats (the same token counting).
  if (!process.env.BENCH_SKIP_REPORT) {
    const st = await cli(["validate", big, "--model", "titan-express", "--stats"]);
    const rp = await cli(["report", big, "--model", "titan-express", "-q", "-o", join(work, "report.html")]);
    console.log(`  validate --stats    ${st.seconds.toFixed(2)} s = ${(mb / st.seconds).toFixed(1)} MB/s, peak RSS ${(st.maxRssKb / 1024).toFixed(0)} MB`);
    console.log(`  report              ${rp.seconds.toFixed(2)} s = ${(mb / rp.seconds).toFixed(1)} MB/s, peak RSS ${(rp.maxRssKb / 1024).toFixed(0)} MB  →  ${(rp.seconds / st.seconds).toFixed(2)}× validate --stats' time`);
  }
  // review: the line index built when the file opens, then the first page of records as the page asks for it.
  {
    const { startReview } = await import("../dist/review/server.js");
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const srv = await startReview(big, { output: join(work, "big.curated.jsonl"), log: join(work, "big.review-log.jsonl") });
    const opened = (performance.now() - t0) / 1000;
    const ask = async (from) => {
      const t = performance.now();
      const page = await (await fetch(`${srv.url.replace("/?", "/api/records?")}&from=${from}&limit=50`)).json();
      return { page, ms: performance.now() - t };
    };
    const first = await ask(1);
    const middle = await ask(Math.floor(first.page.lines / 2));
    console.log(`  review              index of ${first.page.lines.toLocaleString("en-US")} lines built in ${opened.toFixed(2)} s (+${((process.memoryUsage().rss - rss0) / 1e6).toFixed(0)} MB RSS); first page of ${first.page.records.length} records in ${first.ms.toFixed(0)} ms, one from the middle in ${middle.ms.toFixed(0)} ms`);
    await srv.close();
  }
  try {
    const t0 = performance.now();
    await run("sh", ["-c", `jq -c . "${big}" > /dev/null`], { maxBuffer: 1 << 20 });
    const jq = (performance.now() - t0) / 1000;
    console.log(`  jq -c .             ${jq.toFixed(2)} s = ${(mb / jq).toFixed(1)} MB/s  →  prep-data validate has ${(jq / runs[0].seconds).toFixed(2)}× (default) and ${(jq / runs[1].seconds).toFixed(2)}× (--jobs 2) jq's throughput`);
  } catch {
    console.log("  jq -c .:   jq not installed (apt-get install jq) — no reference ratio");
  }
}
// pdf: long books → cpt JSONL, against poppler's pdftotext on the same file.
if (!only || only === "pdf") {
  const hasPdftotext = async () => run("sh", ["-c", "command -v pdftotext"]).then(() => true, () => false);
  if (!(await hasPdftotext())) {
    console.log("\n(installing poppler-utils for the pdftotext reference and the poppler engine)");
    await run("sh", ["-c", "apt-get install -y poppler-utils >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y poppler-utils >/dev/null 2>&1)"]).catch(() => undefined);
  }
  const poppler = await hasPdftotext();
  const engines = poppler ? ["pdfjs", "poppler"] : ["pdfjs"];
  const cores = (await import("node:os")).availableParallelism();
  const cli = async (args) => JSON.parse((await run(process.execPath, [join(root, "bench/cli-child.js"), ...args], { maxBuffer: 1 << 24 })).stderr.trim().split("\n").pop());
  const timed = async (f) => {
    const t0 = performance.now();
    await f();
    return (performance.now() - t0) / 1000;
  };
  // pdftotext over the same files, `cores` at a time (xargs -P), each to its own file.
  const reference = (files) => timed(() => run("sh", ["-c", `printf '%s\\0' "$@" | xargs -0 -P ${cores} -I{} sh -c 'pdftotext -q "{}" "${work}/ref-$(basename "{}").txt" || true'`, "sh", ...files]));
  // The corpus's born-digital files (not the two long books, not scans or password-only files).
  const { readdirSync } = await import("node:fs");
  const corpus = ["multi-column", "non-latin", "odd", "tables"].flatMap((dir) => readdirSync(join(shared, "corpus/pdf", dir)).filter((f) => f.endsWith(".pdf")).map((f) => join(shared, "corpus/pdf", dir, f))).sort();
  const sets = [
    [`${corpus.length} born-digital PDFs of the corpus (multi-column, non-latin, odd, tables)`, corpus],
    ["long-books/freeculture.pdf (352 pages)", [join(shared, "corpus/pdf/long-books/freeculture.pdf")]],
    ["long-books/R-fullrefman.pdf (2,415 pages)", [join(shared, "corpus/pdf/long-books/R-fullrefman.pdf")]],
  ];
  const figures = [];
  for (const [label, files] of sets) {
    console.log(`\nprep-data pdf ${label} → cpt JSONL (whole process, start-up included; median of 3, each round the reference then each engine, so all see the same load)`);
    const refs = [];
    const runs = Object.fromEntries(engines.map((e) => [e, []]));
    for (let i = 0; i < 3; i++) {
      if (poppler) refs.push(await reference(files));
      for (const engine of engines) runs[engine].push(await cli(["pdf", ...files, "--engine", engine, "-o", join(work, `pdf-${engine}.jsonl`), "-q"]));
    }
    const ref = poppler ? refs.sort((x, y) => x - y)[1] : undefined;
    if (ref !== undefined) console.log(`  pdftotext, xargs -P${cores}: ${ref.toFixed(2)} s`);
    else console.log("  pdftotext: not available (apt-get install poppler-utils) — no reference ratio, no poppler engine");
    for (const engine of engines) {
      const rs = runs[engine];
      const r = [...rs].sort((x, y) => x.seconds - y.seconds)[1];
      const peak = Math.max(...rs.map((x) => x.maxRssKb));
      const ratio = ref !== undefined ? ` = ${(r.seconds / ref).toFixed(2)}× pdftotext's time` : "";
      console.log(`  --engine ${engine.padEnd(7)}: ${r.seconds.toFixed(2)} s${ratio}, peak RSS ${(peak / 1024).toFixed(0)} MB, exit ${r.code}`);
      figures.push({ label, engine, seconds: r.seconds, ref });
    }
  }
  // Sharded: the corpus as 4 tasks, 2 at a time (as an array job with parallelism 2 would run them), then merge.
  const engine = engines.at(-1);
  console.log(`\nthe corpus in 1 process vs 4 shards, 2 at a time (--engine ${engine}, -j 1 per task), then merge`);
  const single = await cli(["pdf", ...corpus, "--engine", engine, "-j", "1", "-o", join(work, "one.jsonl"), "-q"]);
  let peak = 0;
  const t0 = performance.now();
  for (const pair of [[0, 1], [2, 3]]) {
    const rs = await Promise.all(pair.map((i) => cli(["pdf", ...corpus, "--engine", engine, "-j", "1", "--shard", `${i}/4`, "-o", join(work, "sh.jsonl"), "-q"])));
    peak = Math.max(peak, ...rs.map((x) => x.maxRssKb));
  }
  const sharded = (performance.now() - t0) / 1000;
  console.log(`  1 process:          ${single.seconds.toFixed(2)} s, peak RSS ${(single.maxRssKb / 1024).toFixed(0)} MB`);
  console.log(`  4 shards, 2 at once: ${sharded.toFixed(2)} s wall (${(single.seconds / sharded).toFixed(2)}× the single process's speed), peak RSS per task ${(peak / 1024).toFixed(0)} MB`);
  const m = await cli(["merge", join(work, "sh-*-of-00004.jsonl"), "-o", join(work, "merged.jsonl"), "-q"]);
  const mergedBytes = statSync(join(work, "merged.jsonl")).size;
  const same = readFileSync(join(work, "merged.jsonl")).equals(readFileSync(join(work, "one.jsonl")));
  console.log(`  merge: ${(mergedBytes / 1e6).toFixed(1)} MB in ${m.seconds.toFixed(2)} s (whole process) = ${(mergedBytes / 1e6 / m.seconds).toFixed(1)} MB/s; merged ${same ? "equals" : "DIFFERS from"} the single process's output`);
  // merge throughput on a bigger input: the 4 shards' records repeated to ~200 MB.
  const big = join(work, "big");
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(big);
  const body = readFileSync(join(work, "merged.jsonl"));
  const reps = Math.max(1, Math.ceil(50e6 / body.length));
  for (let i = 0; i < 4; i++) writeFileSync(join(big, `part${i}.jsonl`), Buffer.concat(Array.from({ length: reps }, () => body)));
  const bm = await cli(["merge", ...[0, 1, 2, 3].map((i) => join(big, `part${i}.jsonl`)), "-o", join(work, "big.jsonl"), "-q"]);
  const bigBytes = statSync(join(work, "big.jsonl")).size;
  const copy = await timed(() => run("cat", [...[0, 1, 2, 3].map((i) => join(big, `part${i}.jsonl`))], { maxBuffer: 1 << 30, encoding: "buffer" }));
  console.log(`  merge of 4 files, ${(bigBytes / 1e6).toFixed(0)} MB: ${bm.seconds.toFixed(2)} s = ${(bigBytes / 1e6 / bm.seconds).toFixed(0)} MB/s, peak RSS ${(bm.maxRssKb / 1024).toFixed(0)} MB (cat of the same files: ${(bigBytes / 1e6 / copy).toFixed(0)} MB/s)`);
}
rmSync(work, { recursive: true, force: true });
