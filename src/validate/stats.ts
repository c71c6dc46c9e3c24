/** Token statistics with true (nearest-rank) percentiles over every record. */
export interface TokenStats {
  records: number;
  total: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Histogram buckets: [from, to) token ranges and counts. */
  histogram: { from: number; to: number; count: number }[];
}

/** Collects one number per record in a growing typed array (4 bytes a record). */
export class TokenTally {
  private values = new Uint32Array(1024);
  private n = 0;
  add(v: number): void {
    if (this.n === this.values.length) {
      const next = new Uint32Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.n++] = v;
  }
  get count(): number {
    return this.n;
  }
  stats(buckets = 10): TokenStats | undefined {
    if (this.n === 0) return undefined;
    const v = this.values.slice(0, this.n).sort();
    const rank = (p: number) => v[Math.max(0, Math.ceil((p / 100) * this.n) - 1)]!;
    let total = 0;
    for (const x of v) total += x;
    const min = v[0]!;
    const max = v[this.n - 1]!;
    const width = Math.max(1, Math.ceil((max - min + 1) / buckets));
    const histogram: TokenStats["histogram"] = [];
    for (let from = min; from <= max; from += width) histogram.push({ from, to: from + width, count: 0 });
    for (const x of v) histogram[Math.min(histogram.length - 1, Math.floor((x - min) / width))]!.count++;
    return { records: this.n, total, min, mean: total / this.n, p50: rank(50), p90: rank(90), p99: rank(99), max, histogram };
  }
}

/** A terminal histogram: one bar per bucket, scaled to `width` characters. */
export function renderHistogram(s: TokenStats, width = 40): string {
  const peak = Math.max(...s.histogram.map((b) => b.count));
  const label = (b: { from: number; to: number }) => `${b.from}-${b.to - 1}`;
  const pad = Math.max(...s.histogram.map((b) => label(b).length));
  return s.histogram
    .map((b) => `  ${label(b).padStart(pad)} │${"█".repeat(Math.round((b.count / peak) * width))} ${b.count}`)
    .join("\n");
}
