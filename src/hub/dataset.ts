import { datasetInfo, downloadFileToCacheDir, listFiles } from "@huggingface/hub";
import { PrepError, finding, type SourceItem } from "../record.js";
import { dataKind } from "../sources/open.js";
import type { ShardPart } from "../sources/table.js";
import { RepoCache } from "./cache.js";
import { hubConfig, type HubConfig } from "./config.js";
import { COMMIT_SHA, hubFetch, isNetworkError, retryPolicy, withRetries } from "./fetch.js";
import { availableSplits, selectParquetFiles, selectSplitFiles } from "./splits.js";

export const PARQUET_REVISION = "refs/convert/parquet";

/** `owner/name[@revision]`, optionally prefixed `hf:` or `datasets/`. */
export interface DatasetRef {
  repo: string;
  revision: string;
}

export function parseDatasetRef(spec: string): DatasetRef {
  const s = spec.replace(/^hf:/, "").replace(/^(https?:\/\/[^/]+\/)?datasets\//, "");
  const at = s.indexOf("@");
  const repo = at === -1 ? s : s.slice(0, at);
  const revision = at === -1 ? "main" : s.slice(at + 1);
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo) || !repo.split("/").every(hubName) || revision === "") {
    throw new PrepError(`"${spec}" is not a Hub dataset; expected owner/name or owner/name@revision`, 2);
  }
  const bad = revisionProblem(revision);
  if (bad) throw new PrepError(`"${spec}": revision "${revision}" ${bad}; give a branch, tag, refs/pr/N, refs/convert/parquet or a commit sha`, 2);
  return { repo, revision };
}

/**
 * The Hub's rule for owner and repository names: letters, digits, `-`, `_` and `.`, neither starting nor ending
 * with `-` or `.`, without `--` or `..` (huggingface_hub's validate_repo_id).
 */
function hubName(s: string): boolean {
  return s.length <= 96 && !/^[-.]|[-.]$/.test(s) && !s.includes("--") && !s.includes("..");
}

/**
 * Why a revision is not one the Hub can have, or undefined: a revision is a git ref name (git check-ref-format:
 * no `..`, no part starting with `.` or ending in `.lock`, no control characters, space, `~^:?*[\`, no `@{`,
 * no empty part) or a commit sha. It becomes a file under the cache's `refs/`, so anything else could name a
 * path outside it.
 */
export function revisionProblem(rev: string): string | undefined {
  if (rev.length > 255) return "is too long";
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(rev)) return "holds a character a git ref cannot (control, space, ~^:?*[\\)";
  if (rev.includes("..") || rev.includes("@{") || rev === "@") return "holds '..' or '@{'";
  if (rev.startsWith("/") || rev.endsWith("/") || rev.includes("//")) return "has an empty path part";
  if (rev.endsWith(".")) return "ends with '.'";
  for (const part of rev.split("/")) if (part.startsWith(".") || part.endsWith(".lock")) return `has a part '${part}' starting with '.' or ending in '.lock'`;
  return undefined;
}

/** The files one split resolves to, and where they are cached. */
export interface ResolvedSplit {
  repo: string;
  revision: string;
  commit: string;
  split: string;
  /** `main` files, or the `refs/convert/parquet` branch when the main branch has no data files for the split. */
  from: "repo" | "parquet";
  files: { path: string; local?: string; size?: number }[];
  /** Files that had to be downloaded (the rest were cache hits). */
  downloaded: number;
  offline: boolean;
}

export interface HubDatasetOptions {
  split?: string;
  /** Parquet-branch config (default: `default`, else the first). */
  config?: string;
  hub?: HubConfig;
  /** Told when the run falls back to the cache or the parquet branch. */
  onNotice?: (message: string) => void;
}

function networkCause(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return c?.code ?? c?.message ?? (e as Error).message;
}

/** One line a user can act on, for any Hub failure (never a stack trace, never the token). */
function hubError(e: unknown, ref: DatasetRef, hub: HubConfig, what: string): PrepError {
  if (e instanceof PrepError) return e;
  if (isNetworkError(e)) {
    return new PrepError(`cannot reach the Hugging Face Hub at ${hub.endpoint} to ${what} ${ref.repo}@${ref.revision} (${networkCause(e)}), and it is not in the cache at ${hub.cacheDir}`);
  }
  const status = (e as { statusCode?: number }).statusCode;
  if (status === 401 || status === 403) {
    return new PrepError(`the Hub refused access to dataset ${ref.repo} (${status}): it may be private or gated; set HF_TOKEN to a token that can read it`);
  }
  if (status === 404) {
    return new PrepError(`dataset ${ref.repo}@${ref.revision} was not found on ${hub.endpoint} (check the name and revision; private datasets need HF_TOKEN)`);
  }
  if (e instanceof TypeError && /access token/.test(e.message)) {
    return new PrepError("HF_TOKEN does not look like a Hugging Face token (it must start with hf_)", 2);
  }
  return new PrepError(`Hub error for dataset ${ref.repo}@${ref.revision}: ${(e as Error).message.split("\n")[0]}`);
}

async function commitOf(ref: DatasetRef, hub: HubConfig): Promise<string> {
  const info = await datasetInfo<"sha">({
    name: ref.repo,
    revision: ref.revision,
    hubUrl: hub.endpoint,
    accessToken: hub.token,
    additionalFields: ["sha"],
    fetch: hubFetch(hub.endpoint),
  });
  if (typeof info.sha !== "string" || !COMMIT_SHA.test(info.sha)) {
    throw new PrepError(`the Hub endpoint ${hub.endpoint} returned no valid commit for ${ref.repo}@${ref.revision}`);
  }
  return info.sha;
}

async function listAt(ref: DatasetRef, commit: string, hub: HubConfig, sizes?: Map<string, number>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of listFiles({
    repo: { type: "dataset", name: ref.repo },
    revision: commit,
    recursive: true,
    hubUrl: hub.endpoint,
    accessToken: hub.token,
    fetch: hubFetch(hub.endpoint),
  })) {
    if (e.type === "file") {
      out.push(e.path);
      sizes?.set(e.path, e.lfs?.size ?? e.size);
    }
  }
  return out.sort();
}

/** Online: list the revision's files on the Hub and pick the split (parquet branch as fallback). */
async function resolveOnline(ref: DatasetRef, split: string, opts: HubDatasetOptions, hub: HubConfig, cache: RepoCache, sizes: Map<string, number>) {
  const commit = await commitOf(ref, hub);
  await cache.writeRef(ref.revision, commit);
  const paths = await listAt(ref, commit, hub, sizes);
  const files = selectSplitFiles(paths, split);
  if (files.length) return { commit, files, from: "repo" as const, available: availableSplits(paths) };
  const pref = { repo: ref.repo, revision: PARQUET_REVISION };
  let pcommit: string;
  try {
    pcommit = await commitOf(pref, hub);
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return { commit, files: [], from: "repo" as const, available: availableSplits(paths) };
    throw e;
  }
  await cache.writeRef(PARQUET_REVISION, pcommit);
  const ppaths = await listAt(pref, pcommit, hub, sizes);
  const sel = selectParquetFiles(ppaths, split, opts.config);
  opts.onNotice?.(`${ref.repo}: no ${split} data files on ${ref.revision}; reading the ${PARQUET_REVISION} branch${sel ? ` (config ${sel.config})` : ""}`);
  return { commit: pcommit, files: sel?.files ?? [], from: "parquet" as const, available: availableSplits(ppaths.map((p) => p.split("/").slice(1).join("/"))) };
}

/** Offline (or Hub unreachable): use what the cache holds for the revision, then its parquet branch. */
async function resolveCached(ref: DatasetRef, split: string, opts: HubDatasetOptions, cache: RepoCache) {
  const commit = await cache.readRef(ref.revision);
  if (commit) {
    const paths = await cache.listSnapshot(commit);
    const files = selectSplitFiles(paths, split);
    if (files.length) return { commit, files, from: "repo" as const };
  }
  const pcommit = await cache.readRef(PARQUET_REVISION);
  if (pcommit) {
    const sel = selectParquetFiles(await cache.listSnapshot(pcommit), split, opts.config);
    if (sel) return { commit: pcommit, files: sel.files, from: "parquet" as const };
  }
  return undefined;
}

/** Resolve a split to local files, downloading into the shared cache what is not there yet. */
export async function resolveSplit(spec: string | DatasetRef, opts: HubDatasetOptions = {}): Promise<ResolvedSplit> {
  const ref = typeof spec === "string" ? parseDatasetRef(spec) : spec;
  const hub = opts.hub ?? hubConfig();
  const split = opts.split ?? "train";
  const cache = new RepoCache(hub.cacheDir, ref.repo);
  const fromCache = (c: { commit: string; files: string[]; from: "repo" | "parquet" }): ResolvedSplit => ({
    ...ref,
    split,
    commit: c.commit,
    from: c.from,
    files: c.files.map((p) => ({ path: p, local: cache.snapshotPath(c.commit, p) })),
    downloaded: 0,
    offline: true,
  });

  if (hub.offline) {
    const c = await resolveCached(ref, split, opts, cache);
    if (!c) {
      throw new PrepError(
        `HF_HUB_OFFLINE=1 and the ${split} split of dataset ${ref.repo}@${ref.revision} is not in the cache at ${hub.cacheDir}; run once online to fetch it`,
      );
    }
    return fromCache(c);
  }

  let online;
  const sizes = new Map<string, number>();
  try {
    online = await resolveOnline(ref, split, opts, hub, cache, sizes);
  } catch (e) {
    if (isNetworkError(e)) {
      const c = await resolveCached(ref, split, opts, cache);
      if (c) {
        opts.onNotice?.(`cannot reach ${hub.endpoint} (${networkCause(e)}); using the cached copy of ${ref.repo}@${ref.revision} (${c.commit.slice(0, 10)})`);
        return fromCache(c);
      }
    }
    throw hubError(e, ref, hub, "fetch dataset");
  }
  if (online.files.length === 0) {
    throw new PrepError(
      `dataset ${ref.repo}@${ref.revision} has no data files for split "${split}"${online.available.length ? `; splits found: ${online.available.join(", ")}` : " (and no parquet conversion)"}`,
      2,
    );
  }
  return { ...ref, split, commit: online.commit, from: online.from, files: online.files.map((p) => ({ path: p, size: sizes.get(p) })), downloaded: 0, offline: false };
}

/**
 * Make sure one file of a resolved split is in the cache; returns its local path. @huggingface/hub's
 * `downloadFileToCacheDir` does the work (the layout Python's huggingface_hub shares: `blobs/<etag>`,
 * `snapshots/<commit>/<path>` → blob), through a fetch that retries and refuses ids that are not hex digests; a
 * download cut off mid-file is retried as a whole (the library writes `<blob>.incomplete` and renames it).
 */
export async function fetchFile(r: ResolvedSplit, path: string, hub: HubConfig = hubConfig(), onDownload?: DownloadProgress): Promise<string> {
  const cache = new RepoCache(hub.cacheDir, r.repo);
  if (await cache.hasSnapshotFile(r.commit, path)) return cache.snapshotPath(r.commit, path);
  const ref = { repo: r.repo, revision: r.commit };
  const policy = retryPolicy();
  const fetch = hubFetch(hub.endpoint, policy, onDownload && ((done, total) => onDownload(path, done, total)));
  try {
    const local = await withRetries(policy, () =>
      quietly(() =>
        downloadFileToCacheDir({ repo: { type: "dataset", name: r.repo }, path, revision: r.commit, hubUrl: hub.endpoint, accessToken: hub.token, cacheDir: hub.cacheDir, fetch }),
      ),
    );
    r.downloaded++;
    return local;
  } catch (e) {
    if (e instanceof Error && /^cannot get path info/.test(e.message)) {
      throw new PrepError(`${r.repo}@${r.revision}: file ${path} is listed but cannot be downloaded (not found)`);
    }
    throw hubError(e, ref, hub, `download ${path} of`);
  }
}

/** Run `f` with console.debug silenced: the library announces each download there, which is stdout in Node. */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const debug = console.debug;
  console.debug = () => undefined;
  try {
    return await f();
  } finally {
    console.debug = debug;
  }
}

/** Told the bytes of a file's download as they arrive (total from Content-Length, when sent). */
export type DownloadProgress = (path: string, done: number, total: number | undefined) => void;

export interface ReadHubOptions {
  /** Told the bytes of each local file as they are read. */
  onBytes?: (n: number) => void;
  onDownload?: DownloadProgress;
  /**
   * One task of a sharded run over a split of one file: its byte range (CSV, JSON Lines) or block of row groups
   * (Parquet) of the downloaded file; any other file is read every N-th row. Told which part it read.
   */
  shard?: { index: number; count: number };
  onPart?: (part: ShardPart) => void;
}

/** Rows of one split of a Hub dataset, file after file, each downloaded (or found in the cache) when reached. */
export async function* readHubDataset(resolved: ResolvedSplit, hub: HubConfig = hubConfig(), opts: ReadHubOptions = {}): AsyncGenerator<SourceItem> {
  const { readTable } = await import("../sources/table.js");
  for (const f of resolved.files) {
    const local = f.local ?? (await fetchFile(resolved, f.path, hub, opts.onDownload));
    const name = `hf:${resolved.repo}@${resolved.from === "parquet" ? PARQUET_REVISION : resolved.revision}/${f.path}`;
    try {
      yield* readTable(local, { name, onBytes: opts.onBytes, ...(opts.shard ? { kind: dataKind(f.path), shard: opts.shard, onPart: opts.onPart } : {}) });
    } catch (e) {
      if (!(e instanceof PrepError)) throw e;
      yield finding("file", e.message, { source: name });
    }
  }
}
