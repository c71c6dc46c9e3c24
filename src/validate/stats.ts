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

/**
 * Collects one number per record as a count per value: memory grows with the distinct values (token counts up to a
 * record's length), not with the records, and the quantiles are still exact (nearest rank over the sorted values).
 */
export class TokenTally {
  /** Counts of values below 65,536 (most token and turn counts), allocated on first use; the rest in a map. */
  private small?: Uint32Array;
  private large = new Map<number, number>();
  private n = 0;
  add(v: number): void {
    this.n++;
    if (v < 65536 && v >= 0 && Number.isInteger(v)) (this.small ??= new Uint32Array(65536))[v]!++;
    else this.large.set(v, (this.large.get(v) ?? 0) + 1);
  }
  get count(): number {
    return this.n;
  }
  /** The distinct values in ascending order with their counts. */
  private *sorted(): Generator<[number, number]> {
    const small = this.small;
    if (small) for (let v = 0; v < small.length; v++) if (small[v]) yield [v, small[v]!];
    for (const v of [...this.large.keys()].sort((a, b) => a - b)) yield [v, this.large.get(v)!];
  }
  stats(buckets = 10): TokenStats | undefined {
    if (this.n === 0) return undefined;
    const values = [...this.sorted()];
    // Nearest rank: the value at 1-based position ceil(p/100 × n) of the sorted values.
    const ranks = [50, 90, 99].map((p) => Math.max(1, Math.ceil((p / 100) * this.n)));
    const at: number[] = [];
    let total = 0;
    let seen = 0;
    for (const [v, c] of values) {
      total += v * c;
      seen += c;
      for (let i = at.length; i < ranks.length && ranks[i]! <= seen; i++) at.push(v);
    }
    const min = values[0]![0];
    const max = values[values.length - 1]![0];
    const width = Math.max(1, Math.ceil((max - min + 1) / buckets));
    const histogram: TokenStats["histogram"] = [];
    for (let from = min; from <= max; from += width) histogram.push({ from, to: from + width, count: 0 });
    for (const [v, c] of values) histogram[Math.min(histogram.length - 1, Math.floor((v - min) / width))]!.count += c;
    return { records: this.n, total, min, mean: total / this.n, p50: at[0]!, p90: at[1]!, p99: at[2]!, max, histogram };
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
