import { spawnSync } from "node:child_process";
import { tmp } from "./run.js";

/** A small tmpfs mounted in a new folder (root only), or undefined where mounting is not allowed. */
export function tinyDisk(size = "2m"): { dir: string; unmount: () => void } | undefined {
  const dir = tmp();
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  if (r.status !== 0) return undefined;
  return { dir, unmount: () => void spawnSync("umount", [dir]) };
}

/** Whether a tmpfs can be mounted here; says SKIPPED for `what` when not. */
export function canMountDisk(what: string): boolean {
  const d = tinyDisk();
  d?.unmount();
  if (!d) console.warn(`SKIPPED ${what}: mounting a tmpfs needs root (mount -t tmpfs failed)`);
  return !!d;
}
