// Bundles the CLI (dist/cli/main.js, after tsc) into dist/cli-bundle/: our modules with zod, commander, csv-parse
// and the other small dependencies in a few files, so a run compiles and resolves a handful of modules instead of
// about 150 (start-up is most of a short run). Code loaded only by some commands stays in separate chunks, loaded
// when used; the large packages those chunks need (pdf.js, the AWS SDK, tokenizer tables, openai) stay outside the
// bundle and are loaded from node_modules. Worker threads (dist/pdf/worker.js, dist/validate/worker.js) are not
// bundled: they start from dist/, where the bundle's chunks find them (dist/cli-bundle/../../dist/…).
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist/cli-bundle");
rmSync(outdir, { recursive: true, force: true });
// zod's `z.locales` namespace holds every language's messages (~60 modules, most of the 650 KB a run compiles before
// its first record); the CLI never reads it. English, which zod's schemas import for themselves, stays.
const zodLocalesStub = {
  name: "zod-locales-stub",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "zod-locales-stub" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "zod-locales-stub" }, () => ({ contents: "export {};", loader: "js" }));
  },
};
await build({
  entryPoints: [join(root, "dist/cli/main.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  external: ["pdfjs-dist", "pdfjs-dist/*", "@aws-sdk/*", "@smithy/*", "openai", "openai/*", "gpt-tokenizer", "gpt-tokenizer/*", "llama-tokenizer-js", "llama3-tokenizer-js", "tesseract.js", "@tesseract.js-data/*", "@napi-rs/canvas", "mammoth", "hyparquet-writer", "@huggingface/jinja"],
  // CommonJS dependencies (commander, csv-parse's helpers) call require() for Node's modules.
  banner: { js: "import { createRequire as __prepDataRequire } from 'node:module'; const require = __prepDataRequire(import.meta.url);" },
  plugins: [zodLocalesStub],
  logLevel: "warning",
  legalComments: "none",
});

// gpt-tokenizer's rank tables (and Llama 2's tables, below) as vocabulary files (src/tokens/vocab.ts): read in ~1 ms where the table modules take
// ~0.1 s to compile and index. Written beside dist/tokens/index.js, where the bundle's chunks find them too
// (../tokens/ from dist/cli-bundle/); a missing or other-version file is rebuilt from the table at run time instead.
const { Vocab, tokensFromTable } = await import(join(root, "dist/tokens/vocab.js"));
const { vocabTag } = await import(join(root, "dist/tokens/index.js"));
const { writeFileSync } = await import("node:fs");
for (const table of ["cl100k_base", "o200k_base"]) {
  const { default: ranks } = await import(`gpt-tokenizer/bpeRanks/${table}`);
  const file = Vocab.fromTokens(tokensFromTable(ranks)).serialize(vocabTag(table));
  writeFileSync(join(root, "dist/tokens", `${table}.bpe`), file);
}
// Llama 2's tables (src/tokens/llama2.ts) from llama-tokenizer-js's own, which it decodes on every import (~80 ms).
const { Llama2Bpe } = await import(join(root, "dist/tokens/llama2.js"));
const { llama2Tag } = await import(join(root, "dist/tokens/index.js"));
const { default: llama2 } = await import("llama-tokenizer-js");
writeFileSync(join(root, "dist/tokens/llama2.bpe"), Llama2Bpe.fromLibrary(llama2).serialize(llama2Tag()));
// Llama 3's ranks (src/tokens/index.ts) from llama3-tokenizer-js's vocabulary, which takes ~0.3 s and ~190 MB to import.
const { vocabFromByteVocab } = await import(join(root, "dist/tokens/bpe.js"));
const { llama3Tag } = await import(join(root, "dist/tokens/index.js"));
const { default: llama3 } = await import("llama3-tokenizer-js");
writeFileSync(join(root, "dist/tokens/llama3.bpe"), vocabFromByteVocab(llama3.vocabById, 128_000).serialize(llama3Tag()));
