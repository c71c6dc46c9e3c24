import { PrepError } from "../record.js";

/**
 * Inputs with globs expanded; when they are the shards of an array job (`NAME-0000I-of-0000N.jsonl`), every shard
 * must be there with a manifest that is its own, of one run, and says it completed, and its bytes must be the ones
 * the manifest describes (see shards.ts); the shards' reads are summed so the counts reconcile.
 */
export async function expandShards(inputs: string[], quiet?: boolean): Promise<string[]> {
  const fg = (await import("fast-glob")).default;
  const { readFile } = await import("node:fs/promises");
  const files: string[] = [];
  for (const i of inputs) {
    if (i.startsWith("s3://") && (i.includes("*") || i.endsWith("/"))) {
      // Shards written to S3 by the tasks of an array job: listed like local files.
      const { listObjects } = await import("../s3/s3.js");
      const found = (await listObjects(i)).filter((k) => !k.endsWith("/") && !k.endsWith(".manifest.json")).sort();
      if (!found.length) throw new PrepError(`${i}: no objects match`, 2);
      files.push(...found);
    } else if (!i.startsWith("s3://") && fg.isDynamicPattern(i)) {
      const found = (await fg(i, { onlyFiles: true })).filter((f) => !f.endsWith(".manifest.json")).sort();
      if (!found.length) throw new PrepError(`${i}: no files match`, 2);
      files.push(...found);
    } else files.push(i);
  }
  const SHARD = /^(.*)-(\d{5,6})-of-(\d{5,6})\.jsonl$/;
  const shards = files.map((f) => SHARD.exec(f));
  if (!shards.every(Boolean) || !files.length) return files;
  const groups = new Set(shards.map((m) => `${m![1]}|${m![3]}`));
  if (groups.size !== 1) throw new PrepError(`the inputs are shards of ${groups.size} different runs; merge one run's shards at a time`, 2);
  const [stem, ofText] = [...groups][0]!.split("|") as [string, string];
  const count = Number(ofText);
  const have = new Set(shards.map((m) => Number(m![2])));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !have.has(i));
  const name = (i: number) => `${stem}-${String(i).padStart(ofText.length, "0")}-of-${ofText}.jsonl`;
  if (missing.length) throw new PrepError(`missing shard${missing.length === 1 ? "" : "s"} of ${count}: ${missing.slice(0, 10).map(name).join(", ")}${missing.length > 10 ? ", …" : ""}`, 3);
  // Nothing on disk is taken on trust: each manifest must be its shard's (index, count) and of one run, and each
  // shard's bytes, sha256 and records must be what its manifest says.
  const { checkManifest, verifyShard } = await import("../ops/shards.js");
  let read = 0;
  let written = 0;
  let run: string | undefined;
  for (let i = 0; i < count; i++) {
    const m = name(i).replace(/\.jsonl$/, ".manifest.json");
    const text = m.startsWith("s3://") ? await readS3Text(m) : await readFile(m, "utf8").catch(() => undefined);
    const manifest = checkManifest(text, name(i), m, i, count);
    if (run !== undefined && manifest.run !== run) throw new PrepError(`${name(i)} is from another run than shard 0 (run ${manifest.run.slice(0, 12)}…, shard 0's ${run.slice(0, 12)}…): merge one run's shards`, 3);
    run = manifest.run;
    await verifyShard(name(i), manifest);
    read += manifest.read;
    written += manifest.written;
  }
  if (!quiet) process.stderr.write(`merge: ${count} of ${count} shards complete and verified (bytes, sha256, records); the shards read ${read} and wrote ${written} records\n`);
  return Array.from({ length: count }, (_, i) => name(i));
}

/** A small S3 object as text, or undefined when there is none. */
async function readS3Text(uri: string): Promise<string | undefined> {
  const { headObject, readObject } = await import("../s3/s3.js");
  if (!(await headObject(uri))) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of await readObject(uri)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

