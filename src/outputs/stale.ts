import { createHash } from "node:crypto";
import { readdirSync, readlinkSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { hostname } from "node:os";

/**
 * Whether a temp file or folder a run left is stale: its names carry the writer's process id and PID namespace, and
 * a process id means something only within its namespace.
 */

/** Whether a process with this id runs (in this PID namespace). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

let namespace: string | undefined;
/** This process's PID namespace: the inode of /proc/self/ns/pid (Linux), else a hash of the host name. */
export function pidNamespace(): string {
  if (namespace === undefined) {
    try {
      namespace = /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
    } catch {
      // not Linux
    }
    namespace ??= "h" + createHash("sha256").update(hostname()).digest("hex").slice(0, 10);
  }
  return namespace;
}

/** A temp from another PID namespace (another container on a shared volume) is stale only when this old. */
export const FOREIGN_TEMP_STALE_MS = 24 * 3600 * 1000;

/**
 * Whether the temp at `path`, written by process `pid` of namespace `ns` (undefined: names from before namespaces
 * were recorded, taken as this one), is stale: its writer is gone, or, from another namespace, where its writer
 * cannot be checked, it has not changed for a day (a live run's temp was removed when its PID was not visible here,
 * and 150,000 records were lost).
 */
export function isStale(path: string, pid: number, ns: string | undefined): boolean {
  if (ns !== undefined && ns !== pidNamespace()) {
    try {
      return Date.now() - statSync(path).mtimeMs >= FOREIGN_TEMP_STALE_MS;
    } catch {
      return false;
    }
  }
  return !alive(pid);
}

/**
 * Remove the stale temps in `dir`: names starting with `prefix` whose rest matches `rest` (capturing the writer's
 * process id, then its namespace when the name has one). This process's own are kept unless `own(path)` says they
 * are no longer in use. Returns how many were removed.
 */
export function removeStale(dir: string, prefix: string, rest: RegExp, own: (path: string) => boolean = () => true): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? rest.exec(name.slice(prefix.length)) : null;
    if (!m) continue;
    const pid = Number(m[1]);
    const path = join(dir, name);
    // (In containers, two runs may both be PID 1: "this process" only with this namespace.)
    const ours = pid === process.pid && (m[2] === undefined || m[2] === pidNamespace());
    if (ours ? own(path) : !isStale(path, pid, m[2])) continue;
    try {
      rmSync(path, { recursive: true, force: true });
      removed++;
    } catch {
      // another run removed it first, or it is not ours to remove
    }
  }
  return removed;
}
