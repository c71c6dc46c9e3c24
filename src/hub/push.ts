import { createHash } from "node:crypto";
import { createReadStream, existsSync, openAsBlob, statSync } from "node:fs";
import { basename } from "node:path";
import { commit, createRepo, downloadFile, pathsInfo } from "@huggingface/hub";
import { parseDocument, stringify } from "yaml";
import { PrepError } from "../record.js";
import { hubConfig } from "./config.js";

/** A dataset repository to push to: `hf://datasets/OWNER/NAME[@branch]`. */
export interface PushTarget {
  repo: string;
  branch: string;
}

export function parsePushTarget(s: string): PushTarget {
  const m = /^hf:\/\/datasets\/([\w.-]+\/[\w.-]+)(?:@([\w./-]+))?$/.exec(s);
  if (!m) throw new PrepError(`${s}: expected hf://datasets/OWNER/NAME or hf://datasets/OWNER/NAME@BRANCH`, 2);
  return { repo: m[1]!, branch: m[2] ?? "main" };
}

/** A file to push and the split it is (`train`, `validation`, `test`, …). */
export interface PushFile {
  path: string;
  split: string;
}

const SPLIT_WORDS: [RegExp, string][] = [
  [/(^|[^a-z])(validation|valid|val|dev|eval)([^a-z]|$)/i, "validation"],
  [/(^|[^a-z])test([^a-z]|$)/i, "test"],
  [/(^|[^a-z])train([^a-z]|$)/i, "train"],
];

/**
 * Files and their splits from the command line: `SPLIT=PATH`, or a path whose name says its split (train, validation
 * / val / dev, test); one file alone is `train`. Two files of one split, or a name that says none, are usage errors.
 */
export function pushFiles(args: string[]): PushFile[] {
  const files = args.map((a) => {
    const eq = /^([\w-]+)=(.+)$/.exec(a);
    if (eq && !existsSync(a)) return { path: eq[2]!, split: eq[1]! };
    const name = basename(a);
    const hit = SPLIT_WORDS.find(([re]) => re.test(name));
    if (hit) return { path: a, split: hit[1] };
    if (args.length === 1) return { path: a, split: "train" };
    throw new PrepError(`${a}: its name does not say which split it is; write it as SPLIT=${a} (train, validation, test, …)`, 2);
  });
  const seen = new Map<string, string>();
  for (const f of files) {
    if (!existsSync(f.path) || !statSync(f.path).isFile()) throw new PrepError(`${f.path}: no such file`, 3);
    if (seen.has(f.split)) throw new PrepError(`${seen.get(f.split)} and ${f.path} are both the ${f.split} split; name one with SPLIT=PATH`, 2);
    seen.set(f.split, f.path);
  }
  const names = new Set(files.map((f) => basename(f.path)));
  if (names.size < files.length) throw new PrepError("two files have the same name; the repository keeps files by name", 2);
  return files;
}

async function hashes(path: string): Promise<{ git: string; sha256: string }> {
  const size = statSync(path).size;
  const git = createHash("sha1").update(`blob ${size}\0`);
  const sha = createHash("sha256");
  for await (const chunk of createReadStream(path)) {
    git.update(chunk as Buffer);
    sha.update(chunk as Buffer);
  }
  return { git: git.digest("hex"), sha256: sha.digest("hex") };
}

const blobSha = (text: string) => createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0`).update(text).digest("hex");

/**
 * The dataset card with `configs` naming each split's file, so `load_dataset(OWNER/NAME)` finds them. An existing
 * card keeps its text and every other metadata key: only `configs` (the default config's data_files) is set.
 */
export function datasetCard(existing: string | undefined, files: { split: string; path: string }[], repo: string): string {
  const configs = [{ config_name: "default", data_files: files.map((f) => ({ split: f.split, path: f.path })) }];
  const m = existing ? /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(existing) : null;
  if (existing && m) {
    const doc = parseDocument(m[1]!);
    const others = ((doc.get("configs") as { toJSON?: () => unknown } | undefined)?.toJSON?.() as { config_name?: string }[] | undefined)?.filter((c) => c.config_name !== "default") ?? [];
    doc.set("configs", [...configs, ...others]);
    return `---\n${doc.toString()}---\n${existing.slice(m[0].length)}`;
  }
  // A card without metadata keeps its text under the new header; a new one says what the files are.
  const body = existing ?? `\n# ${repo}\n\nTraining data prepared with prep-data: ${files.map((f) => `\`${f.path}\` (${f.split})`).join(", ")}.\n`;
  return `---\n${stringify({ configs })}---\n${body}`;
}

export interface PushResult {
  repo: string;
  branch: string;
  created: boolean;
  files: { path: string; split: string; state: "added" | "updated" | "unchanged" }[];
  card: "added" | "updated" | "unchanged";
  commit?: { oid: string; url: string };
}

/**
 * Push files to a Hub dataset repository with `@huggingface/hub` in one commit with their dataset card; the repository
 * is created (private with `private`) when missing. Files identical to the repository's (git blob or LFS sha256) and
 * an unchanged card make no commit. The token comes from HF_TOKEN, HUGGING_FACE_HUB_TOKEN or the token file, and is
 * never printed.
 */
export async function pushDataset(files: PushFile[], target: PushTarget, o: { message?: string; private?: boolean } = {}): Promise<PushResult> {
  const hub = hubConfig();
  if (hub.offline) throw new PrepError("HF_HUB_OFFLINE is set: push needs the Hub", 2);
  if (!hub.token) throw new PrepError("push needs a Hugging Face token with write access: set HF_TOKEN (or run `huggingface-cli login`, which writes the token file)", 2);
  const creds = { accessToken: hub.token, hubUrl: hub.endpoint };
  const repo = { type: "dataset" as const, name: target.repo };
  const remote = files.map((f) => ({ ...f, inRepo: basename(f.path) }));
  let created = false;
  let info: Awaited<ReturnType<typeof pathsInfo>> = [];
  try {
    info = await pathsInfo({ repo, paths: [...remote.map((f) => f.inRepo), "README.md"], expand: true, revision: target.branch, ...creds });
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status !== 404) throw new PrepError(`the Hub refused ${target.repo}@${target.branch} (${status ?? (e as Error).message}); check the token's write access`, 3);
    if (target.branch !== "main") throw new PrepError(`${target.repo} has no branch ${target.branch} (or does not exist): create the branch on the Hub first`, 3);
    await createRepo({ repo, private: o.private, ...creds });
    created = true;
  }
  const byPath = new Map(info.map((p) => [p.path, p]));
  const states: PushResult["files"] = [];
  for (const f of remote) {
    const r = byPath.get(f.inRepo);
    const h = await hashes(f.path);
    const same = r && (r.lfs ? r.lfs.oid === h.sha256 : r.oid === h.git);
    states.push({ path: f.inRepo, split: f.split, state: !r ? "added" : same ? "unchanged" : "updated" });
  }
  const oldCard = byPath.has("README.md") ? await (await downloadFile({ repo, path: "README.md", revision: target.branch, ...creds }))?.text() : undefined;
  const card = datasetCard(oldCard, remote.map((f) => ({ split: f.split, path: f.inRepo })), target.repo);
  const cardState: PushResult["card"] = oldCard === undefined ? "added" : blobSha(oldCard) === blobSha(card) ? "unchanged" : "updated";
  const result: PushResult = { repo: target.repo, branch: target.branch, created, files: states, card: cardState };
  if (cardState === "unchanged" && states.every((s) => s.state === "unchanged")) return result;
  const operations = [
    ...(await Promise.all(remote.filter((_, i) => states[i]!.state !== "unchanged").map(async (f) => ({ operation: "addOrUpdate" as const, path: f.inRepo, content: await openAsBlob(f.path) })))),
    ...(cardState !== "unchanged" ? [{ operation: "addOrUpdate" as const, path: "README.md", content: new Blob([card]) }] : []),
  ];
  let done: Awaited<ReturnType<typeof commit>>;
  try {
    done = await commit({ repo, operations, title: o.message ?? `prep-data push: ${states.filter((s) => s.state !== "unchanged").map((s) => s.path).join(", ") || "dataset card"}`, branch: target.branch, ...creds });
  } catch (e) {
    // Nothing is half-pushed: a commit is whole or absent on the Hub.
    throw new PrepError(`the Hub refused the commit to ${target.repo}@${target.branch}: ${(e as Error).message.replace(/\. URL: .*$/, "")}; nothing was committed`, 3);
  }
  if (done?.commit) result.commit = { oid: done.commit.oid, url: done.commit.url };
  return result;
}
