import { createHash } from "node:crypto";
import { PrepError } from "../record.js";
import { openBytes, sizeOf } from "../sources/open.js";

/** What a shard's manifest must say for `merge` to take the shard (written by writeShardManifest). */
export interface ShardManifest {
  shard: { index: number; count: number; from?: string };
  /** A digest of the command that made the run (its arguments with the task index left out) and N: one per run. */
  run: string;
  inputs: string[];
  read: number;
  written: number;
  rejected: Record<string, number>;
  outputs: { role: string; path: string; bytes: number; records?: number; sha256?: string }[];
  completed: true;
}

/** The run id of this process's sharded run: its arguments with the task's own index left out, and N. */
export function shardRunId(count: number, argv: string[] = process.argv.slice(2)): string {
  const args = argv.map((a, i) => (argv[i - 1] === "--shard" ? a.replace(/^\d+\//, "*/") : a.replace(/^--shard=\d+\//, "--shard=*/")));
  return createHash("sha256").update(JSON.stringify({ args, count })).digest("hex").slice(0, 32);
}

/**
 * Parse and check a shard's manifest against what its name says (index, count) and what its run's other shards say
 * (`run`): a usage-grade refusal naming the shard and the field otherwise.
 */
export function checkManifest(text: string | undefined, name: string, manifestPath: string, index: number, count: number): ShardManifest {
  if (text === undefined) throw new PrepError(`shard ${name} is incomplete: no manifest ${manifestPath} (re-run that task)`, 3);
  let m: Partial<ShardManifest>;
  try {
    m = JSON.parse(text) as Partial<ShardManifest>;
  } catch (e) {
    throw new PrepError(`${manifestPath}: not a manifest (${(e as Error).message}); re-run that task`, 3);
  }
  const bad = (what: string) => new PrepError(`${manifestPath}: ${what}; re-run that task`, 3);
  if (m.completed !== true) throw new PrepError(`shard ${name} is incomplete: its manifest does not say completed (re-run that task)`, 3);
  if (!m.shard || m.shard.index !== index || m.shard.count !== count) throw bad(`it is the manifest of shard ${m.shard?.index ?? "?"} of ${m.shard?.count ?? "?"}, but its name says ${index} of ${count}`);
  if (typeof m.run !== "string" || !m.run) throw bad("it names no run (written by an older prep-data, or edited)");
  if (typeof m.read !== "number" || typeof m.written !== "number" || !Array.isArray(m.outputs)) throw bad("its counts are missing");
  const train = m.outputs.find((o) => o.role === "train");
  if (!train || typeof train.bytes !== "number" || typeof train.records !== "number" || typeof train.sha256 !== "string") throw bad("it lists no records file with bytes, records and sha256");
  return m as ShardManifest;
}

/** A shard's records file against its manifest: size, then SHA-256 and line count in one read. */
export async function verifyShard(path: string, m: ShardManifest): Promise<void> {
  const train = m.outputs.find((o) => o.role === "train")!;
  const size = await sizeOf(path);
  if (size === undefined) throw new PrepError(`shard ${path} is missing (its manifest says ${train.bytes} bytes)`, 3);
  if (size !== train.bytes) throw new PrepError(`shard ${path} is ${size.toLocaleString("en-US")} bytes, its manifest says ${train.bytes.toLocaleString("en-US")} (cut or appended after the task finished? copy it again or re-run that task)`, 3);
  const h = createHash("sha256");
  let lines = 0;
  let last = 10;
  for await (const c of await openBytes(path)) {
    const b = c as Buffer;
    h.update(b);
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
    if (b.length) last = b[b.length - 1]!;
  }
  if (last !== 10) lines++;
  const sha = h.digest("hex");
  if (sha !== train.sha256) throw new PrepError(`shard ${path}: its bytes are not the ones its task wrote (sha256 ${sha.slice(0, 12)}…, the manifest says ${train.sha256!.slice(0, 12)}…): another run's shard, or changed since`, 3);
  if (lines !== train.records) throw new PrepError(`shard ${path} holds ${lines} records, its manifest says ${train.records}`, 3);
}
