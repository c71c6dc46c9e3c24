import type { Draft } from "../record.js";
import { GOPHER_QUALITY, GOPHER_REPETITION, qualityFailure, type QualityRules } from "./filters.js";
import { Redactor, type RedactKind } from "./redact.js";

export { GOPHER_QUALITY, GOPHER_REPETITION, qualityFailure, type QualityRules, type RepetitionRules } from "./filters.js";
export { luhn, parseRedactKinds, PLACEHOLDER, REDACT_KINDS, Redactor, type RedactKind } from "./redact.js";

/** What the opt-in text steps do to each record before it is built: redact, then filter by quality and language. */
export interface RefineOptions {
  /** PII kinds to replace with placeholders (all formats). */
  redact?: readonly RedactKind[];
  /** Quality and repetition rules (the text of cpt/text records). */
  quality?: QualityRules;
  /** Languages to keep (ISO 639-3 as franc names them, or 639-1): records in others are removed (all formats). */
  languages?: readonly string[];
}

/** A record removed by a filter: counted by reason, not an error. */
export interface Removal {
  removed: string;
  message: string;
}

// ISO 639-1 → the ISO 639-3 codes franc-min reports.
const ISO1: Record<string, string> = {
  en: "eng", de: "deu", fr: "fra", es: "spa", it: "ita", pt: "por", nl: "nld", ru: "rus", zh: "cmn", ja: "jpn",
  ko: "kor", ar: "arb", hi: "hin", pl: "pol", tr: "tur", sv: "swe", uk: "ukr", vi: "vie", id: "ind", fa: "pes",
  ro: "ron", hu: "hun", cs: "ces", el: "ell", bn: "ben", th: "tha", he: "heb", ms: "zlm", ta: "tam", te: "tel",
  ur: "urd", mr: "mar", gu: "guj", kn: "kan", ml: "mal", pa: "pan", sw: "swh", tl: "tgl", az: "azj", uz: "uzn",
  sr: "srp", hr: "hrv", bg: "bul", sk: "slk", da: "dan", fi: "fin", no: "nob", nb: "nob", be: "bel", kk: "kaz",
};

/** `en,deu` → ["eng", "deu"]. */
export function languageCodes(spec: string | readonly string[]): string[] {
  const list = typeof spec === "string" ? spec.split(",") : spec;
  return [...new Set(list.map((s) => s.trim().toLowerCase()).filter(Boolean).map((c) => ISO1[c] ?? c))].map((c) => {
    if (!/^[a-z]{3}$/.test(c)) throw new Error(`--lang: "${c}" is not a language code (ISO 639-1 like en, or 639-3 like eng)`);
    return c;
  });
}

function draftText(d: Draft): string {
  return d.kind === "text" ? d.text : [d.system ?? "", ...d.turns.map((t) => t.content)].filter(Boolean).join("\n\n");
}

/**
 * The opt-in text steps of a run, in order: PII redaction (every text of the record), then quality rules (text
 * records), then the language allow-list (detected with franc-min: 82 languages of 8M+ speakers, so fewer confusions
 * with close minor languages than franc's full set). Counts what it redacted per kind.
 */
export class DraftRefiner {
  private readonly redactor?: Redactor;
  private constructor(
    private readonly o: RefineOptions,
    private readonly detect?: (text: string) => string,
  ) {
    if (o.redact?.length) this.redactor = new Redactor(o.redact);
  }

  static async create(o: RefineOptions): Promise<DraftRefiner | undefined> {
    if (!o.redact?.length && !o.quality && !o.languages?.length) return undefined;
    let detect: ((text: string) => string) | undefined;
    if (o.languages?.length) {
      const { franc } = await import("franc-min");
      detect = (t) => franc(t, { minLength: 20 });
    }
    return new DraftRefiner(o, detect);
  }

  /** Placeholders put in, per kind. */
  get redacted(): Partial<Record<RedactKind, number>> {
    return this.redactor?.counts ?? {};
  }

  refine(d: Draft): Draft | Removal {
    let out = d;
    const r = this.redactor;
    if (r) {
      out =
        d.kind === "text"
          ? { ...d, text: r.redact(d.text) }
          : { ...d, ...(d.system !== undefined ? { system: r.redact(d.system) } : {}), turns: d.turns.map((t) => ({ ...t, content: r.redact(t.content) })) };
    }
    if (this.o.quality && out.kind === "text") {
      const f = qualityFailure(out.text, this.o.quality);
      if (f) return { removed: f.reason, message: f.message };
    }
    if (this.detect && this.o.languages) {
      const lang = this.detect(draftText(out).slice(0, 4096));
      if (lang === "und") return { removed: "language", message: "too little text to tell its language" };
      if (!this.o.languages.includes(lang)) return { removed: "language", message: `in ${lang}, not in --lang ${this.o.languages.join(",")}` };
    }
    return out;
  }
}

/** Quality rules from the command-line switches: `--quality` (Gopher's), `--repetition`, and single rules. */
export function qualityRules(o: { quality?: boolean; repetition?: boolean; minWords?: number; maxSymbolRatio?: number; maxBulletLines?: number; maxEllipsisLines?: number }): QualityRules | undefined {
  const rules: QualityRules = o.quality ? { ...GOPHER_QUALITY } : {};
  if (o.repetition) rules.repetition = { ...GOPHER_REPETITION };
  if (o.minWords !== undefined) rules.minWords = o.minWords;
  if (o.maxSymbolRatio !== undefined) rules.maxSymbolRatio = o.maxSymbolRatio;
  if (o.maxBulletLines !== undefined) rules.maxBulletLines = o.maxBulletLines;
  if (o.maxEllipsisLines !== undefined) rules.maxEllipsisLines = o.maxEllipsisLines;
  return Object.keys(rules).length ? rules : undefined;
}
