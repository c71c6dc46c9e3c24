// npm run bench: throughput and peak memory of prep-data's main jobs on ../shared data.
import { execFile } from "node:child_process";
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
  await (await import("./tokens.js")).benchTokens({ root });
  if (only === "tokens") process.exit(0);
  console.log("");
}

// synth: documents against the teacher stand-in with 100 ms per request; throughput against the ideal
// (concurrency / latency) and peak RSS at two sizes (memory must not grow with the input).
if (!only || only === "synth") {
  await (await import("./synth.js")).benchSynth({ root });
  if (only === "synth") process.exit(0);
  console.log("");
}

// s3: upload (validation, sha256, multipart, read-back check) and a streamed read (validate s3://…) against s3rver,
// next to a plain copy of the same bytes; peak RSS must stay flat.
if (!only || only === "s3") {
  await (await import("./s3.js")).benchS3({ root });
  if (only === "s3") process.exit(0);
  console.log("");
}

// dedup: a generated instruction file (default 1,000,000 records, ~1 GB) with 10 % exact and 10 % near duplicates
// of earlier records planted; records/s, peak RSS, and recall/precision of the near-duplicates found.
if (!only || only === "dedup") {
  await (await import("./dedup.js")).benchDedup({ root });
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
// demo: start-up and the demo's job against node -e 0, a Python stdlib script and Miller; llama3 counts against cl100k.
await (await import("./demo.js")).benchDemo({ root, shared, work, env });
await server.close();
if (only === "dialogsum" || only === "demo") process.exit(0);

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
    // --stats against plain validate: 3 rounds, one of each a round, medians (single runs on this shared machine
    // moved the ratio between 2.8× and 3.2×).
    const pairs = [];
    for (let i = 0; i < 3; i++) pairs.push([await cli(["validate", big, "--model", "titan-express"]), await cli(["validate", big, "--model", "titan-express", "--stats"])]);
    const median = (xs) => [...xs].sort((a, b) => a.seconds - b.seconds)[1];
    const plain = median(pairs.map((p) => p[0]));
    const st = median(pairs.map((p) => p[1]));
    const rp = await cli(["report", big, "--model", "titan-express", "-q", "-o", join(work, "report.html")]);
    console.log(`  validate --stats    ${st.seconds.toFixed(2)} s = ${(mb / st.seconds).toFixed(1)} MB/s, peak RSS ${(st.maxRssKb / 1024).toFixed(0)} MB  →  ${(st.seconds / plain.seconds).toFixed(2)}× plain validate's ${plain.seconds.toFixed(2)} s (medians of 3 rounds, one of each a round; target ≤ 3×)`);
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
