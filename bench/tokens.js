// tokens: the worst case for a BPE counter — long text without spaces is one pre-tokenizer piece.
import { join } from "node:path";

export async function benchTokens({ root }) {
  const { loadTokenCounter } = await import("../dist/index.js");
  // Different text for each counter (k), so no counter finds another's pieces in the shared cl100k cache.
  const gen = {
    CJK: (n, k) => Array.from({ length: n }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919 + k * 31) % 20000))).join(""),
    base64: (n, k) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 2654435761 + k) % 256)).toString("base64").slice(0, n),
    "minified JS": (n, k) => Array.from({ length: Math.ceil(n / 30) }, (_, i) => `var a${k}=function(b){return b+${i}};`).join("").slice(0, n),
  };
  console.log("token counting, one record of text without spaces (seconds per count; first count includes building the rank table)");
  for (const [k, name] of ["cl100k", "o200k", "llama3", "llama2", "estimate"].entries()) {
    const c = await loadTokenCounter(name);
    const cells = [];
    for (const [label, make] of Object.entries(gen)) {
      for (const n of [10_000, 40_000, 80_000]) {
        const t = make(n, k);
        const t0 = performance.now();
        c.count(t);
        cells.push(`${label} ${n / 1000}k ${((performance.now() - t0) / 1000).toFixed(3)}`);
      }
    }
    console.log(`  ${name.padEnd(9)} ${cells.join(" | ")}`);
  }
}
