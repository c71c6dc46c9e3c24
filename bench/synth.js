// synth: documents against the teacher stand-in with 100 ms per request; throughput against the ideal
// (concurrency / latency) and peak RSS at two sizes (memory must not grow with the input).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function benchSynth({ root }) {
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
}
