import { Option, type Command } from "commander";
import { readFile } from "node:fs/promises";
import { asFormatName } from "../formats/index.js";
import { checkDistinctOutputs, checkOutputTarget, openSink } from "../jsonl.js";
import { finding, PrepError, type Finding, type Origin, type Row, type SourceItem } from "../record.js";
import { dataKind } from "../sources/open.js";
import { IMAGE_GLOB, isImage } from "../ocr/kind.js";
import { addOcrOptions, ocrOf, type OcrCliOpts } from "./ocr-options.js";
import { Template } from "../transforms/template.js";
import { draftFromTemplates } from "../transforms/draft.js";
import { unescapeOption, addWriteOptions, checkShardSplit, intArg, selectionOf, shardOf, shardPath, splitOptions, withDedup, type OutputOpts } from "./options.js";
import { shareOf } from "../shard.js";
import { Progress } from "./progress.js";
import { addCallOptions, callOptions, cachePathOf, costOf, judgeLine, numberArg, type CallCli } from "./calls.js";
import { report, Reporter } from "./report.js";
import { exitCodeOf, fileChecks, modelChecker, writeShardManifest } from "./run.js";
import type { SynthDocument, SynthStats } from "../synth/synth.js";

interface SynthCli extends OutputOpts, CallCli, OcrCliOpts {
  document: string;
  question?: string;
  answer?: string;
  teacher?: string;
  baseUrl?: string;
  pairs: number;
  includeOriginals?: boolean;
  promptFile?: string;
  system?: string;
  temperature?: number;
  maxOutputTokens?: number;
  user: string;
  assistant: string;
  recordSystem?: string;
  format: string;
  metadata?: string;
  rejects?: string;
  batchInput?: string;
  batchOutput?: string;
  chunkSize?: number;
  chunkOverlap?: number;
  password: string[];
  golden: boolean;
  reasoning?: boolean;
  verify?: boolean;
  judge?: string;
  judgeBaseUrl?: string;
  minScore: number;
  repair?: boolean;
  rubricFile?: string;
  questionSimilarity: number;
  styles?: string[];
  personas?: string;
}


/** Documents from table rows: the --document template, and the original pair when --question/--answer (or such columns) exist. */
async function* tableDocuments(rows: AsyncIterable<SourceItem>, o: SynthCli): AsyncGenerator<SynthDocument | Finding> {
  const doc = new Template(unescapeOption(o.document)!);
  let q = o.question !== undefined ? new Template(unescapeOption(o.question)!) : undefined;
  let a = o.answer !== undefined ? new Template(unescapeOption(o.answer)!) : undefined;
  let first = true;
  for await (const item of rows) {
    if (item.type === "finding") {
      yield item;
      continue;
    }
    if (first) {
      first = false;
      const cols = Object.keys(item.values);
      const { checkColumns } = await import("../transforms/template.js");
      checkColumns([doc, ...(q ? [q] : []), ...(a ? [a] : [])], cols, item.origin.source, item.values);
      // The published recipe's columns are used when present and not named otherwise.
      if (!q && o.question === undefined && cols.includes("question")) q = new Template("{question}");
      if (!a && o.answer === undefined && cols.includes("answer")) a = new Template("{answer}");
    }
    const d = doc.render(item.values);
    if ("missing" in d || d.text.trim() === "") {
      yield finding("missing-value", `the document ${"missing" in d ? `column "${d.missing}" is empty or absent` : "is empty"} in this row`, item.origin);
      continue;
    }
    const qa = q?.render(item.values);
    const aa = a?.render(item.values);
    yield {
      type: "document",
      document: d.text,
      ...(qa && "text" in qa && qa.text.trim() ? { question: qa.text } : {}),
      ...(aa && "text" in aa && aa.text.trim() ? { answer: aa.text } : {}),
      origin: item.origin,
    };
  }
}

/** Documents from PDFs and text files: chunks of the existing chunker, each with its pages (or lines) as provenance. */
async function* chunkDocuments(paths: string[], o: SynthCli, unmatched: string[]): AsyncGenerator<SynthDocument | Finding> {
  const [{ chunkPages }, { readPdfPages }, { loadTokenCounter }] = await Promise.all([import("../chunk.js"), import("../pdf/pages.js"), import("../tokens/index.js")]);
  for (const u of unmatched) yield finding("file", "no such file, folder or matching PDF or text file", { source: u });
  const counter = await loadTokenCounter("cl100k");
  const size = o.chunkSize ?? 1500;
  const overlap = o.chunkOverlap ?? Math.floor(size / 10);
  async function* pages(): AsyncGenerator<import("../pdf/pages.js").PdfPage | Finding> {
    const pdfs = paths.filter((p) => /\.pdf$/i.test(p));
    const texts = paths.filter((p) => !/\.pdf$/i.test(p));
    for (const t of texts) {
      try {
        yield { type: "page", source: t, page: 1, text: (await readFile(t, "utf8")).replace(/\r\n?/g, "\n") };
      } catch (e) {
        yield finding("file", (e as Error).message, { source: t });
      }
    }
    const ocr = await ocrOf(o);
    const images = pdfs.filter(isImage);
    let readImage: ((path: string) => AsyncGenerator<import("../pdf/pages.js").PdfPage | Finding>) | undefined;
    if (pdfs.length > images.length) yield* readPdfPages(images.length ? pdfs.filter((p) => !isImage(p)) : pdfs, { passwords: o.password, ...(ocr ? { ocr } : {}) });
    for (const img of images) {
      if (!ocr) yield finding("image", "a page image is read by OCR: add --ocr auto", { source: img });
      else yield* (readImage ??= (await import("../ocr/images.js")).imagesAhead(images, ocr, ocr.workers))(img);
    }
    await ocr?.engine.end();
  }
  for await (const c of chunkPages(pages(), { size, overlap, unit: "tokens", maxTokens: Math.max(size * 2, 4096), counter })) {
    if (c.type === "finding") yield c;
    else yield { type: "document", document: c.text, origin: { source: c.source, pages: c.pages } };
  }
}

async function* firstDocuments(src: AsyncIterable<SynthDocument | Finding>, n: number): AsyncGenerator<SynthDocument | Finding> {
  let docs = 0;
  for await (const d of src) {
    if (d.type === "document" && docs++ >= n) return;
    yield d;
  }
}

/** --sample: documents, before any is sent to the teacher (the same picks as --sample on the data commands). */
async function* sampleDocuments(src: AsyncIterable<SynthDocument | Finding>, n: number, seed: number, onNotice: (m: string) => void): AsyncGenerator<SynthDocument | Finding> {
  const { sampleInOrder } = await import("../ops/ops.js");
  yield* sampleInOrder(src, n, seed, (d) => d.type === "document", (kept, seen) => onNotice(`--sample ${n}: ${kept} of ${seen} documents sampled (seed ${seed})`));
}

export function addSynthCommand(program: Command, setExit: (code: number) => void): void {
  const c = program
    .command("synth <inputs...>")
    .description("a teacher model writes grounded question/answer pairs from documents (CSV/JSON/Parquet rows, hf:owner/name, PDFs, text files) → fine-tuning records for a student")
    .option("--document <template>", "table inputs: the document text", "{document}")
    .option("--question <template>", "table inputs: the original question (default: a question column, if any)")
    .option("--answer <template>", "table inputs: the original answer (default: an answer column, if any)")
    .option("--teacher <spec>", "bedrock:<modelId> (Converse; AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_BEDROCK_RUNTIME) or openai:<model> (any OpenAI-compatible server)")
    .option("--base-url <url>", "openai: teachers: the server (default OPENAI_BASE_URL), e.g. http://127.0.0.1:8000/v1 for vLLM")
    .option("--pairs <n>", "pairs asked for per document", intArg("--pairs", 1), 3)
    .option("--include-originals", "also write each row's own question and answer as a record")
    .option("--prompt-file <file>", "the generation prompt: {document}, {question}, {answer}, {n} ({{ and }} for braces)")
    .option("--system <text>", "system prompt for the teacher")
    .option("--temperature <t>", "teacher sampling temperature (0-1)", numberArg("--temperature", 0, 2))
    .option("--max-output-tokens <n>", "teacher reply limit", intArg("--max-output-tokens", 1))
    .addOption(new Option("-f, --format <name>", "student record format (rft: the teacher's question as the prompt, its answer as reference_answer)").choices(["messages", "conversation", "instruction", "distillation", "rft"]).default("messages"))
    .option("--user <template>", "the student's user turn: {document}, {question}, {answer}, {topic}", "{document}\\n\\n{question}")
    .option("--assistant <template>", "the student's assistant turn (rft: the reference answer)", "{answer}")
    .option("--record-system <template>", "system prompt of the student's records (messages, conversation, distillation)")
    .option("--reasoning", "conversation (Nova 2 Lite): ask the teacher for a short rationale per pair, written as the assistant's reasoningContent (originals have none)")
    .option("--no-golden", "distillation: no golden response, even when the row has an answer")
    .option("-m, --model <id>", "check every record against the student model's rules, and the record counts after")
    .option("--batch-size <n>", "with --model: the student job's batch size", intArg("--batch-size", 1))
    .option("--metadata <file>", "each record's provenance: source row or pages, synthetic/original, teacher, topic")
    .option("--batch-input <file>", "write Bedrock batch-inference records (recordId, modelInput) instead of calling the teacher live")
    .option("--batch-output <dir>", "read a finished batch job's output (joined on recordId) instead of calling the teacher live")
    .option("--chunk-size <n>", "PDF and text inputs: tokens per document chunk (default 1500)", intArg("--chunk-size", 50))
    .option("--chunk-overlap <n>", "PDF and text inputs: overlap between chunks (default 10 %)", intArg("--chunk-overlap"))
    .option("--password <pw>", "for encrypted PDFs (repeat for several)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--verify", "a judge scores every pair against its document (question self-contained and answerable, answer grounded, answer correct, 1–5 each); pairs below --min-score are refused as judge-score")
    .option("--judge <spec>", "with --verify: the judge, a teacher spec (default: the teacher itself)")
    .option("--judge-base-url <url>", "an openai: judge's server (default --base-url)")
    .option("--min-score <n>", "with --verify: every criterion must reach this (1–5)", intArg("--min-score", 1), 3)
    .option("--repair", "with --verify: a pair below --min-score is corrected once by the teacher and judged again")
    .option("--rubric-file <file>", "with --verify: the judge's prompt ({document}, {question}, {answer}); its reply must hold \"question\", \"grounded\", \"correct\" (1–5) and \"reason\"")
    .option("--question-similarity <x>", "a question this similar (Jaccard of word pairs, 0–1) to the original's, another of its document's or one elsewhere in the run is refused as duplicate-question", numberArg("--question-similarity", 0.01, 1), 0.8)
    .option("--styles <list>", "question styles rotated over the documents: factual, reasoning, comparison, how-to, definition, cause, summary (comma-separated; recorded in --metadata)", (v: string) => v.split(",").map((x) => x.trim()).filter(Boolean))
    .option("--personas <file>", "audiences rotated over the documents, one a line (e.g. 'a new hire in the finance team'; recorded in --metadata)")
    .option("--max-findings <n>", "print at most N findings (all are counted)", intArg("--max-findings"), 20)
    .option("-q, --quiet", "no notes, progress or summary");
  addCallOptions(c, "teacher and judge", "synth-cache.jsonl");
  addOcrOptions(c, "PDF inputs: pages with no text layer or garbled text read by OCR (tesseract.js), always every page; with either, .png, .jpg and .tiff page images are inputs too");
  addWriteOptions(c, "-", "documents").action(async (inputs: string[], o: SynthCli) => {
    const { synthesize, newStats, promptFor, recordId, DEFAULT_PROMPT, DEFAULT_REASONING_PROMPT } = await import("../synth/synth.js");
    const format = asFormatName(o.format);
    if (o.reasoning && format !== "conversation") throw new PrepError(`--reasoning writes reasoningContent blocks: --format conversation (for Nova 2 Lite), not ${format}`, 2);

    const distill = format === "distillation";
    if (!distill && !o.teacher && !o.batchOutput) throw new PrepError("synth needs --teacher bedrock:<modelId> or openai:<model> (or --format distillation, or --batch-output DIR)", 2);
    if (o.teacher && !distill) await (await import("../synth/teacher.js")).checkTeacherOptions(o.teacher, { temperature: o.temperature, maxOutputTokens: o.maxOutputTokens, system: o.system });
    if (o.batchInput && !o.teacher?.startsWith("bedrock:")) throw new PrepError("--batch-input writes Bedrock batch-inference records: give --teacher bedrock:<modelId>", 2);
    if (o.batchInput && o.batchOutput) throw new PrepError("--batch-input writes a job's input, --batch-output reads its output: one at a time", 2);
    if (!o.verify) for (const [k, v] of [["--judge", o.judge], ["--repair", o.repair], ["--rubric-file", o.rubricFile]] as const) if (v !== undefined) throw new PrepError(`${k} is an option of --verify: add --verify`, 2);
    if (o.verify && (distill || o.batchInput)) throw new PrepError(`--verify judges the teacher's pairs as they come: not with ${distill ? "--format distillation" : "--batch-input"}`, 2);
    if (o.verify && o.minScore > 5) throw new PrepError("--min-score is on the judge's 1–5 scale", 2);
    if (o.verify && o.batchOutput && !o.judge) throw new PrepError("--verify with --batch-output: name the judge (--judge bedrock:<modelId> or openai:<model>)", 2);
    if (o.judge) await (await import("../synth/teacher.js")).checkTeacherOptions(o.judge, {});
    const { STYLES, parsePersonas } = await import("../synth/questions.js");
    for (const st of o.styles ?? []) if (!(st in STYLES)) throw new PrepError(`--styles: unknown style "${st}" (one of ${Object.keys(STYLES).join(", ")})`, 2);
    const personas = o.personas ? parsePersonas(await readFile(o.personas, "utf8").catch((e: Error) => { throw new PrepError(`--personas ${o.personas}: ${e.message}`, 2); })) : [];
    if (o.personas && !personas.length) throw new PrepError(`--personas ${o.personas}: no audience in the file (one a line)`, 2);
    const rubric = o.rubricFile ? await readFile(o.rubricFile, "utf8").catch((e: Error) => { throw new PrepError(`--rubric-file ${o.rubricFile}: ${e.message}`, 2); }) : undefined;

    // Inputs: table files or one hf: dataset, or documents (PDFs, folders, globs, .txt/.md).
    const hub = inputs.filter((i) => i.startsWith("hf:"));
    const tables = inputs.filter((i) => !i.startsWith("hf:") && dataKind(i) !== undefined);
    const docsIn = inputs.filter((i) => !i.startsWith("hf:") && dataKind(i) === undefined);
    if ((hub.length || tables.length) && docsIn.length) throw new PrepError("synth reads table rows (CSV, JSON, Parquet, hf:) or documents (PDF, text), not both in one run", 2);
    let paths: string[] = [];
    let unmatched: string[] = [];
    if (docsIn.length) {
      const { expandPdfInputs, expandInputs, expansionNotes } = await import("../pdf/inputs.js");
      const texts = docsIn.filter((i) => /\.(txt|md|markdown)$/i.test(i));
      const ex = o.ocr === "never" ? await expandPdfInputs(docsIn.filter((i) => !texts.includes(i))) : await expandInputs(docsIn.filter((i) => !texts.includes(i)), `**/*.{pdf,${IMAGE_GLOB}}`);
      paths = [...texts, ...ex.paths];
      unmatched = ex.unmatched;
      if (!o.quiet) for (const n of expansionNotes(ex)) process.stderr.write(`note: ${n}\n`);
      if (!paths.length) throw new PrepError(`no PDF or text files found in ${docsIn.join(", ")}`, 2);
    }

    // One task of an array job: its share of the documents (files by block, one table by byte range or row
    // groups), every output under its shard name, and a manifest beside it.
    const shard = shardOf(o);
    if (shard) {
      o.output = shardPath(o.output, shard);
      for (const k of ["validationOutput", "testOutput", "metadata", "rejects", "batchInput"] as const) if (o[k]) o[k] = shardPath(o[k]!, shard);
      if (paths.length) paths = shareOf(paths, shard);
    }
    const split = splitOptions(o);
    checkShardSplit(shard, split);
    const validationOutput = split.validationOutput;
    const cachePath = o.batchInput || o.batchOutput || distill ? undefined : cachePathOf(o, o.output, "synth-cache.jsonl");
    const others = [
      { option: "--validation-output", path: validationOutput },
      { option: "--test-output", path: split.testOutput },
      { option: "--metadata", path: o.metadata },
      { option: "--rejects", path: o.rejects },
      { option: "--report", path: o.report },
      { option: "--cache", path: cachePath },
      { option: "--batch-input", path: o.batchInput },
    ];
    checkDistinctOutputs([{ option: "-o", path: o.batchInput ? undefined : o.output }, ...others]);
    const localInputs = [...tables, ...paths];
    // --cache too: it is appended to, so it may not be an input (a CSV named as the cache lost its last row).
    for (const x of others) if (x.path !== undefined) checkOutputTarget(x.path, { inputs: localInputs, option: x.option });
    report.target = o.report;

    const progress = new Progress({ quiet: o.quiet, recordsOnStdout: o.output === "-" && !o.batchInput });
    const rep = new Reporter(o.maxFindings, o.quiet, progress);
    const stats: SynthStats = newStats();
    const { openInput } = await import("../prepare.js");
    const opened = docsIn.length ? undefined : await openInput(hub.length ? { kind: "hub", dataset: hub[0]!, split: "train" } : { kind: "files", paths: tables }, rep.notice, shard);
    const all = opened ? tableDocuments(opened.rows, o) : chunkDocuments(paths, o, unmatched);
    // -n: the first N documents.
    // --sample: documents, before the teacher sees any (the written records are not sampled again).
    const { sample: _sampled, ...selection } = await selectionOf(o, format);
    const sampled = o.sample !== undefined ? sampleDocuments(all, o.sample, o.seed ?? 0, rep.notice) : all;
    const source = o.limit === undefined ? sampled : firstDocuments(sampled, o.limit);
    const promptText = o.promptFile ? await readFile(o.promptFile, "utf8").catch((e: Error) => {
      throw new PrepError(`--prompt-file ${o.promptFile}: ${e.message}`, 2);
    }) : o.reasoning ? DEFAULT_REASONING_PROMPT : DEFAULT_PROMPT;
    if ((o.styles?.length || personas.length) && !promptText.includes("{variety}")) throw new PrepError(`--styles and --personas are put in the prompt at {variety}: --prompt-file ${o.promptFile} has no {variety}`, 2);
    const { varietyFor } = await import("../synth/questions.js");

    // Batch input: the requests as a batch-inference file; no teacher is called and no record written.
    if (o.batchInput) {
      const { batchRecord } = await import("../synth/batch.js");
      const tpl = new Template(promptText);
      const sink = openSink(o.batchInput, { inputs: localInputs, option: "--batch-input" });
      const modelId = o.teacher!.slice("bedrock:".length);
      let docs = 0;
      let failed = 0;
      try {
        for await (const d of source) {
          if (d.type === "finding") {
            failed++;
            rep.finding(d);
            continue;
          }
          await sink.write(batchRecord(modelId, { system: o.system, prompt: promptFor(tpl, d, o.pairs, varietyFor(docs, o.styles ?? [], personas).text), temperature: o.temperature, maxOutputTokens: o.maxOutputTokens }, recordId(docs++)));
        }
        // No record: the run failed (exit 3) and an existing batch-input file is left as it was.
        if (docs === 0) await sink.abort();
        else await sink.close();
      } catch (e) {
        await sink.abort();
        throw e;
      }
      if (!o.quiet) rep.line(docs === 0 ? `no batch-inference record written (${o.batchInput} left as it was)${failed ? `; ${failed} inputs rejected` : ""}` : `${docs} batch-inference records → ${o.batchInput}${failed ? `, ${failed} inputs rejected` : ""}; run the job, then: prep-data synth … --batch-output <the job's output folder>`);
      report.add({ read: docs + failed, written: docs, rejected: failed ? { input: failed } : {}, warnings: {}, output: o.batchInput, elapsedMs: 0 }, [{ role: "batch-input", path: o.batchInput, bytes: sink.bytes ?? 0, records: docs }]);
      setExit(docs === 0 ? 3 : failed ? 1 : 0);
      return;
    }

    const checker = o.model && !distill ? await modelChecker(o.model, format, o.batchSize) : undefined;
    let rows: AsyncIterable<SourceItem>;
    let cache: import("../synth/cache.js").ReplyCache | undefined;
    const t0 = Date.now();
    try {
      if (distill) {
        // Distillation input: the documents' prompts themselves (and golden answers), no teacher.
        rows = (async function* () {
          for await (const d of source) {
            if (d.type === "finding") yield d;
            else yield { type: "row", values: { document: d.document, question: d.question ?? "", answer: d.answer ?? null, topic: null }, origin: { ...d.origin, meta: { kind: "original" } } } satisfies Row;
          }
        })();
      } else {
        let teacher: import("../synth/teacher.js").Teacher | undefined;
        let judge: import("../synth/teacher.js").Teacher | undefined;
        let replies: ((id: string) => import("../synth/teacher.js").TeacherReply | { error: string } | undefined) | undefined;
        if (o.batchOutput) {
          const { readBatchOutput } = await import("../synth/batch.js");
          const map = await readBatchOutput(o.batchOutput);
          replies = (id) => map.get(id);
          rep.notice(`${map.size} replies read from ${o.batchOutput}`);
        } else {
          const { teacherFrom } = await import("../synth/teacher.js");
          teacher = await teacherFrom(o.teacher!, { baseUrl: o.baseUrl, concurrency: o.concurrency, requestTimeoutMs: o.requestTimeout * 1000 });
        }
        if (o.verify && o.judge) {
          const { teacherFrom } = await import("../synth/teacher.js");
          judge = await teacherFrom(o.judge, { baseUrl: o.judgeBaseUrl ?? o.baseUrl, concurrency: o.concurrency, requestTimeoutMs: o.requestTimeout * 1000 });
        }
        if (cachePath) {
          const { ReplyCache } = await import("../synth/cache.js");
          cache = new ReplyCache(cachePath);
          if (cache.entries) rep.notice(`${cache.entries} cached teacher${o.verify ? " and judge" : ""} replies in ${cachePath}`);
        }
        progress.start(`synthesizing (${o.teacher ?? "batch output"})`, undefined, "documents");
        rows = synthesize(source, {
          teacher,
          replies,
          pairs: o.pairs,
          prompt: promptText,
          system: o.system,
          temperature: o.temperature,
          maxOutputTokens: o.maxOutputTokens,
          concurrency: o.concurrency,
          ...callOptions(o),
          cache,
          includeOriginals: o.includeOriginals,
          verify: o.verify ? { judge, minScore: o.minScore, repair: o.repair, rubric } : undefined,
          questionSimilarity: o.questionSimilarity,
          styles: o.styles,
          personas,
          stats,
          onProgress: (s) => progress.update(s.documents, `${s.requests} requests${s.retries ? `, ${s.retries} retries` : ""}  ${rep.counts}`),
        });
      }
      const { prepare } = await import("../prepare.js");
      const templates = { user: unescapeOption(o.user)!, ...(distill && !o.golden ? {} : { assistant: unescapeOption(o.assistant)! }), ...(o.recordSystem ? { system: unescapeOption(o.recordSystem)! } : {}) };
      const plainDraft = draftFromTemplates(templates);
      const withReasoning = o.reasoning ? draftFromTemplates({ ...templates, reasoning: "{reasoning}" }) : undefined;
      // --reasoning: the teacher's pairs carry their rationale; the originals have none (their record has no block),
      // and a teacher pair without one is refused, counted, rather than written without it.
      const draft = withReasoning
        ? (row: Row) => {
            if ((row.origin.meta as { kind?: string } | undefined)?.kind === "original") return plainDraft(row);
            if (typeof row.values.reasoning !== "string") return finding("teacher-reasoning", "the teacher's pair has no reasoning (--reasoning asks for one per pair)", row.origin);
            return withReasoning(row);
          }
        : plainDraft;
      const r = await prepare({
        input: { kind: "rows", rows, paths: localInputs },
        format,
        // Distillation rows without an answer are prompts alone.
        toDraft: distill ? (row) => draftFromTemplates(row.values.answer === null || !o.golden ? { user: templates.user, ...(templates.system ? { system: templates.system } : {}) } : templates)(row) : draft,
        output: o.output,
        ...selection,
        limit: undefined, // -n counts documents, applied before the teacher is asked
        ...split,
        check: await withDedup(o.dedup, checker ? (record, origin) => checker.modelFindings(record, format, origin) : undefined),
        onFinding: rep.finding,
        onProgress: rep.progress,
        onNotice: rep.notice,
        // Replies not used in full and refused rows go to --rejects; records, --metadata and it are put in place together.
        rejects: o.rejects,
        limitPolicy: o.limitPolicy,
        sideOutputs: o.metadata
          ? [{ option: "--metadata", path: o.metadata, role: "metadata", line: (_rec, origin: Origin, index) => ({ record: index, source: origin.source, ...(origin.line !== undefined ? { line: origin.line } : {}), ...(origin.row !== undefined ? { row: origin.row } : {}), ...(origin.pages ? { pages: origin.pages } : {}), ...origin.meta }) }]
          : undefined,
      });
      const cost = costOf(stats, o);
      const teacherLine = distill
        ? undefined
        : `teacher: ${stats.documents} documents, ${stats.requests} requests (${stats.cached} from cache, ${stats.retries} retries, ${stats.failures} failed), ${stats.inputTokens.toLocaleString("en-US")} input + ${stats.outputTokens.toLocaleString("en-US")} output tokens${cost !== undefined ? `, cost $${cost.toFixed(4)}` : ""}, ${stats.pairs} pairs in ${((Date.now() - t0) / 1000).toFixed(1)} s${stats.stoppedBy ? `; stopped by --${stats.stoppedBy}` : ""}`;
      rep.summary(r, undefined, undefined);
      if (teacherLine && !o.quiet) rep.line(teacherLine);
      if (stats.judge && !o.quiet) {
        rep.line(judgeLine(o.judge ?? o.teacher ?? "?", stats.judge, "pairs", o.minScore, o.repair));
      }
      if (stats.repeats && !o.quiet) rep.line(`${stats.repeats} pairs refused as repeating a question (--question-similarity ${o.questionSimilarity})`);
      let code = exitCodeOf(r);
      if (distill) {
        // The upper bound is held by prepare before anything is committed (--limit-policy).
        const { DISTILLATION_MIN_PROMPTS } = await import("../formats/distillation.js");
        if (r.written < DISTILLATION_MIN_PROMPTS) rep.notice(`${r.written} prompts; AWS's distillation validator asks for at least ${DISTILLATION_MIN_PROMPTS} valid prompts`);
      }
      if (o.model && !distill) code = Math.max(code, await fileChecks([o.output, validationOutput], o.model, o.batchSize, rep, { format, outputs: r.outputs }));
      if (shard) await writeShardManifest(o.output, shard, opened ? (hub.length ? hub : opened.paths) : paths, { ...r, ...(opened?.part ? { part: opened.part } : {}) });
      report.add(r, r.outputs, distill ? {} : { synth: { ...stats, ...(cost !== undefined ? { cost } : {}) } });
      setExit(code);
    } finally {
      cache?.close();
      progress.stop();
    }
  });
}
