// Peak RSS of this process, in KB. On Linux, getrusage's maxRSS survives fork and exec: a child started by the
// bench (which holds a Hub server, record arrays, ~270 MB) reported at least the bench's own RSS, so every small
// run read "269 MB". VmHWM is the high-water mark of this program's own memory (a new one at exec), worker threads
// included; elsewhere maxRSS is what there is.
import { readFileSync } from "node:fs";

export function peakRssKb() {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}
