/** Durations as users write them: `30` (seconds), `0.5`, `500ms`, `30s`, `5m`, `1h`. */

/** Seconds for a duration, or undefined when it is not one (or not more than 0). */
export function parseDuration(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return n > 0 && Number.isFinite(n) ? n : undefined;
}

/** `2 s`, `1.5 s`, `10 min`: a duration in ms, said as a user gave it. */
export function formatDuration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${+(ms / 1000).toFixed(3)} s`;
}

/** What a value that is not a duration is told. */
export const DURATION_HELP = "expected seconds or a duration such as 30s, 5m, 1h";
