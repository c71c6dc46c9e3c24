// s3: upload (validation, sha256, multipart, read-back check) and a streamed read (validate s3://…) against s3rver,
// next to a plain copy of the same bytes; peak RSS must stay flat.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function benchS3({ root }) {
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
}
