import { finding, type Draft, type Finding, type MediaRef, type Row } from "../record.js";
import { checkColumns, Template } from "./template.js";

/** Templates that turn a row into a record draft: a chat exchange (user/assistant[/system]) or plain text. */
export interface DraftTemplates {
  /** The prompt / user turn. */
  user?: string;
  /** The completion / assistant turn. */
  assistant?: string;
  system?: string;
  /** A label per record (evaluation prompts' `category`). */
  category?: string;
  /** Plain text (cpt/text formats). */
  text?: string;
  /** RFT: the reference answer, as text or (referenceJson) parsed as JSON. */
  reference?: string;
  referenceJson?: boolean;
  /** RFT: the record's id. */
  id?: string;
  /** Nova 2 conversation records: the assistant's reasoning; media of the user turn (an s3:// URI or a local path). */
  reasoning?: string;
  images?: string[];
  video?: string;
  document?: string;
}

export type RowToDraft = (row: Row) => Draft | Finding;

/**
 * Compile templates into a row → draft function. The first row's columns are checked against every template
 * (a missing column is a usage error listing the columns that exist); later rows missing a value are findings.
 */
export function draftFromTemplates(t: DraftTemplates): RowToDraft {
  const user = t.user !== undefined ? new Template(t.user) : undefined;
  const assistant = t.assistant !== undefined ? new Template(t.assistant) : undefined;
  const system = t.system !== undefined ? new Template(t.system) : undefined;
  const text = t.text !== undefined ? new Template(t.text) : undefined;
  const category = t.category !== undefined ? new Template(t.category) : undefined;
  const reference = t.reference !== undefined ? new Template(t.reference) : undefined;
  const id = t.id !== undefined ? new Template(t.id) : undefined;
  const reasoning = t.reasoning !== undefined ? new Template(t.reasoning) : undefined;
  const media: { kind: MediaRef["kind"]; tpl: Template }[] = [
    ...(t.images ?? []).map((x) => ({ kind: "image" as const, tpl: new Template(x) })),
    ...(t.video !== undefined ? [{ kind: "video" as const, tpl: new Template(t.video) }] : []),
    ...(t.document !== undefined ? [{ kind: "document" as const, tpl: new Template(t.document) }] : []),
  ];
  const all = [user, assistant, system, text, category, reference, id, reasoning, ...media.map((m) => m.tpl)].filter((x): x is Template => x !== undefined);
  let checked = false;
  const render = (tpl: Template, row: Row): string | Finding => {
    const r = tpl.render(row.values);
    if ("missing" in r) return finding("missing-value", `${r.missing.includes(".") || r.missing.includes("[") ? "path" : "column"} "${r.missing}" is empty (null) or absent in this row${r.keys?.length ? ` (there: ${r.keys.slice(0, 12).join(", ")}${r.keys.length > 12 ? ", …" : ""})` : ""}`, row.origin);
    return r.text;
  };
  return (row) => {
    if (!checked) {
      checkColumns(all, Object.keys(row.values), row.origin.source, row.values);
      checked = true;
    }
    if (text) {
      const s = render(text, row);
      return typeof s === "string" ? { kind: "text", text: s, origin: row.origin } : s;
    }
    if (!user) throw new Error("draftFromTemplates: need a user template (and an assistant one), or a text template");
    const u = render(user, row);
    if (typeof u !== "string") return u;
    // No assistant template: a prompt alone (distillation input without a golden response).
    const a = assistant ? render(assistant, row) : undefined;
    if (a !== undefined && typeof a !== "string") return a;
    let sys: string | undefined;
    if (system) {
      const s = render(system, row);
      if (typeof s !== "string") return s;
      sys = s;
    }
    let cat: string | undefined;
    if (category) {
      const c = render(category, row);
      if (typeof c !== "string") return c;
      cat = c;
    }
    let ref: unknown;
    if (reference) {
      const r = render(reference, row);
      if (typeof r !== "string") return r;
      if (t.referenceJson) {
        try {
          ref = JSON.parse(r);
        } catch (e) {
          return finding("reference-json", `the reference answer is not JSON (--reference-json): ${(e as Error).message.split("\n")[0]}`, row.origin);
        }
      } else ref = r;
    }
    let think: string | undefined;
    if (reasoning) {
      const r = render(reasoning, row);
      if (typeof r !== "string") return r;
      think = r;
    }
    const refs: MediaRef[] = [];
    for (const m of media) {
      const r = render(m.tpl, row);
      if (typeof r !== "string") return r;
      // An empty cell: this row has no such media (a dataset may mix text-only rows with rows that have one).
      if (r.trim() !== "") refs.push({ kind: m.kind, ref: r.trim() });
    }
    let ident: string | undefined;
    if (id) {
      const r = render(id, row);
      if (typeof r !== "string") return r;
      ident = r;
    }
    return {
      kind: "chat",
      ...(sys !== undefined ? { system: sys } : {}),
      ...(cat !== undefined ? { category: cat } : {}),
      ...(ref !== undefined ? { reference: ref } : {}),
      ...(ident !== undefined ? { id: ident } : {}),
      ...(think !== undefined ? { reasoning: think } : {}),
      ...(refs.length ? { media: refs } : {}),
      turns: [{ role: "user", content: u }, ...(a !== undefined ? [{ role: "assistant" as const, content: a }] : [])],
      origin: row.origin,
    };
  };
}
