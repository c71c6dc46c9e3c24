import type { Command } from "commander";
import { PrepError } from "../record.js";
import { dataKind } from "../sources/open.js";
import type { TableOptions } from "../sources/table.js";
import { addChunkOptions } from "./documents.js";
import { addOutputOptions, addTemplateOptions, type OutputOpts, type TemplateOpts } from "./options.js";
import { runTemplated, type ChunkCliOpts } from "./run.js";

/** `csv`, `json`, `parquet` and `hf`: tables (files, s3:// objects or a Hub dataset) through {column} templates into any format. */
export function addTableCommands(program: Command, setExit: (code: number) => void): void {
  const addChunking = (c: Command) => addChunkOptions(c.option("--chunk", "cpt/text: cut a long --text value into chunks (like pdf and text: size, overlap, hard maximum) instead of rejecting it; a row's chunks stay in one split"), "with --chunk: target chunk size (default 700 tokens)");
  const tableCommand = (name: string, description: string, extra: (c: Command) => Command, tableOpts: (o: Record<string, any>) => TableOptions) => {
    const c = extra(program.command(`${name} <files...>`).description(description));
    addChunking(addOutputOptions(addTemplateOptions(c))).action(async (files0: string[], o: OutputOpts & TemplateOpts & ChunkCliOpts) => {
      const table = tableOpts(o);
      // s3://bucket/prefix/ and s3://bucket/prefix/*.csv name every object they match.
      const files: string[] = [];
      for (const f of files0) {
        if (f.startsWith("s3://") && (f.endsWith("/") || f.includes("*"))) {
          const { listObjects } = await import("../s3/s3.js");
          const found = (await listObjects(f)).filter((k) => !k.endsWith("/"));
          if (!found.length) throw new PrepError(`${f}: no objects match`, 2);
          files.push(...found);
        } else files.push(f);
      }
      for (const f of files) {
        // json -: JSON Lines or JSON, told by content as for files.
        if (f === "-" && name === "json") table.kind = "json";
        if (!table.kind && !dataKind(f)) throw new PrepError(`${f}: cannot tell the data format from the name (.csv, .tsv, .jsonl, .json, .parquet, optionally .gz)`, 2);
      }
      setExit(await runTemplated({ kind: "files", paths: files, table }, o));
    });
  };

  tableCommand(
    "csv",
    "CSV/TSV files (or - for stdin) → records via {column} templates (RFC 4180; BOM, quoted newlines, CRLF/CR; UTF-16 by BOM)",
    (c) =>
      c
        .option("-d, --delimiter <char>", "field delimiter (default , and tab for .tsv; \\t for tab)")
        .option("--quote <char>", "quote character", '"')
        .option("--escape <char>", "escape character inside quotes", '"')
        .option("--encoding <name>", "encoding when there is no BOM: utf8, utf16le, utf16be, latin1", "utf8")
        .option("--no-header", "the first row is data; columns are col1, col2, …")
        .option("--comment <char>", "skip lines starting with this character"),
    (o) => ({
      kind: "csv",
      delimiter: o.delimiter === "\\t" ? "\t" : o.delimiter,
      quote: o.quote,
      escape: o.escape,
      encoding: o.encoding,
      header: o.header,
      comment: o.comment,
    }),
  );
  tableCommand(
    "json",
    'JSON Lines or JSON files (an array of objects, or {"data": [...]}) → records via {column} templates',
    (c) =>
      c
        .option("--field <key>", "for a JSON object file: the key holding the rows", "data")
        .option("--encoding <name>", "encoding when there is no BOM: utf8, utf16le, utf16be, latin1", "utf8"),
    (o) => ({ field: o.field, encoding: o.encoding }),
  );
  tableCommand("parquet", "Parquet files → records via {column} templates (read one row group at a time)", (c) => c, () => ({ kind: "parquet" }));

  const hf = program
    .command("hf <dataset>")
    .description("a Hugging Face Hub dataset (owner/name[@revision]) → records via {column} templates")
    .option("--split <name>", "split to read", "train")
    .option("--config <name>", "config of the refs/convert/parquet branch, when it is used")
    .option("--revision <rev>", "revision (overrides @rev in the name)");
  addChunking(addOutputOptions(addTemplateOptions(hf))).action(async (dataset: string, o: OutputOpts & TemplateOpts & ChunkCliOpts & { split: string; config?: string; revision?: string }) => {
    const spec = o.revision ? `${dataset.replace(/@.*$/, "")}@${o.revision}` : dataset;
    setExit(await runTemplated({ kind: "hub", dataset: spec, split: o.split, config: o.config }, o));
  });
}
