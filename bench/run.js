// npm run bench: throughput and peak memory of prep-data's main jobs on ../shared data.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHubServer } from "../test/helpers/hub-server.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const shared = process.env.SHARED_DIR ?? join(root, "..", "shared");
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
await server.close();
rmSync(work, { recursive: true, force: true });
