import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { COMMIT_SHA } from "./fetch.js";

/**
 * The cache layout shared with Python's huggingface_hub:
 * `datasets--owner--name/{refs/<revision>, snapshots/<commit>/<path> → ../../blobs/<etag>, blobs/<etag>}`.
 * Downloads go through @huggingface/hub's `downloadFileToCacheDir`; this reads refs and snapshots (also offline,
 * where the library's `scanCacheDir` does not see nested refs such as `refs/convert/parquet`).
 */
export class RepoCache {
  readonly dir: string;
  constructor(
    cacheDir: string,
    readonly repo: string,
  ) {
    this.dir = join(cacheDir, `datasets--${repo.split("/").join("--")}`);
  }

  /** The file of a revision under `refs/`; never a path outside it (a revision is checked when parsed, too). */
  private refPath(revision: string): string {
    const refs = resolve(this.dir, "refs");
    const p = resolve(refs, revision);
    if (!p.startsWith(refs + sep)) throw new Error(`revision ${JSON.stringify(revision)} would name a file outside the cache's refs`);
    return p;
  }

  /** The commit a revision (branch, tag, `refs/convert/parquet`) last resolved to, if cached. */
  async readRef(revision: string): Promise<string | undefined> {
    if (COMMIT_SHA.test(revision)) return revision;
    try {
      const commit = (await readFile(this.refPath(revision), "utf8")).trim();
      // Anything but a commit sha is not a ref this cache wrote (and must not become a path).
      return COMMIT_SHA.test(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    if (!COMMIT_SHA.test(commit)) throw new Error(`not a commit sha: ${commit}`);
    const p = this.refPath(revision);
    await mkdir(dirname(p), { recursive: true });
    const tmp = `${p}.${process.pid}.tmp`;
    await writeFile(tmp, commit);
    await rename(tmp, p);
  }

  snapshotPath(commit: string, path: string): string {
    return join(this.dir, "snapshots", commit, path);
  }

  async hasSnapshotFile(commit: string, path: string): Promise<boolean> {
    try {
      return (await stat(this.snapshotPath(commit, path))).isFile();
    } catch {
      return false;
    }
  }

  /** Every file in a cached snapshot (what was downloaded for that commit). */
  async listSnapshot(commit: string): Promise<string[]> {
    const root = join(this.dir, "snapshots", commit);
    const out: string[] = [];
    const walk = async (d: string) => {
      let entries;
      try {
        entries = await readdir(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else out.push(relative(root, p).split("\\").join("/"));
      }
    };
    await walk(root);
    return out.sort();
  }
}
