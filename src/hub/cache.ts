import { createWriteStream } from "node:fs";
import { lstat, mkdir, readdir, readFile, rename, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/**
 * The cache layout shared with Python's huggingface_hub:
 * `datasets--owner--name/{refs/<revision>, snapshots/<commit>/<path> → ../../blobs/<etag>, blobs/<etag>}`.
 */
export class RepoCache {
  readonly dir: string;
  constructor(
    cacheDir: string,
    readonly repo: string,
  ) {
    this.dir = join(cacheDir, `datasets--${repo.split("/").join("--")}`);
  }

  /** The commit a revision (branch, tag, `refs/convert/parquet`) last resolved to, if cached. */
  async readRef(revision: string): Promise<string | undefined> {
    if (/^[0-9a-f]{40}$/.test(revision)) return revision;
    try {
      return (await readFile(join(this.dir, "refs", revision), "utf8")).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const p = join(this.dir, "refs", revision);
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

  blobPath(etag: string): string {
    return join(this.dir, "blobs", etag);
  }

  async hasBlob(etag: string): Promise<boolean> {
    try {
      return (await stat(this.blobPath(etag))).isFile();
    } catch {
      return false;
    }
  }

  /** Stream bytes into `blobs/<etag>` via `<etag>.incomplete`, so an interrupted download never looks complete. */
  async writeBlob(etag: string, body: ReadableStream<Uint8Array>): Promise<void> {
    const p = this.blobPath(etag);
    await mkdir(dirname(p), { recursive: true });
    const tmp = `${p}.incomplete`;
    try {
      await pipeline(Readable.fromWeb(body as import("node:stream/web").ReadableStream), createWriteStream(tmp));
      await rename(tmp, p);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  /** `snapshots/<commit>/<path>` → relative symlink to the blob, as huggingface_hub makes it. */
  async linkSnapshot(commit: string, path: string, etag: string): Promise<string> {
    const link = this.snapshotPath(commit, path);
    await mkdir(dirname(link), { recursive: true });
    try {
      await lstat(link);
      await unlink(link);
    } catch {
      // not there yet
    }
    await symlink(relative(dirname(link), this.blobPath(etag)), link);
    return link;
  }
}
