// Characters that carry no text: replacement marks, private-use glyphs, controls (but tab and newline), bidi
// embedding controls (Persian/Arabic PDFs are full of them), zero-width no-break space.
const NOISE = /[\uFFFD\uE000-\uF8FF\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]|\uDB80[\uDC00-\uDFFF]|[\uDB81-\uDBFF][\uDC00-\uDFFF]/g;
// Latin and Armenian ligatures (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ) and Arabic presentation forms, which PDFs emit for shaped text.
const COMPAT = /[\uFB00-\uFB06\uFB13-\uFB17\uFB50-\uFDFF\uFE70-\uFEFF]+/g;

/**
 * Clean one line of extracted text. NFKC is applied deliberately only to ligatures and Arabic presentation forms
 * (which PDFs use for display: ﬁ → fi, ﻻ → لا) and not to the whole text, because full NFKC would also rewrite
 * meaningful characters: full-width CJK punctuation (，→ ,), superscripts (x² → x2), fractions, ㎏ and the like.
 */
export function cleanText(s: string): string {
  return s.replace(COMPAT, (m) => m.normalize("NFKC")).replace(NOISE, "");
}

const ANY = new RegExp(`${COMPAT.source}|${NOISE.source}`);

/** Whether {@link cleanText} would change anything in `s` (false for almost every page: one scan, no copy). */
export function needsCleaning(s: string): boolean {
  return ANY.test(s);
}

const WORD_HYPHEN = /(\p{L}+)-$/u;
const NEXT_WORD = /^(\p{Ll}[\p{L}]*)/u;

/**
 * Join a line ending in a hyphen to the next line. The hyphen goes ("infor-" + "mation" → "information") unless
 * the hyphenated word is a real compound, known because the document already wrote it with a hyphen mid-line
 * ("long-term"), or the next line starts with a capital or digit ("Jean-" + "Paul" keeps "Jean-Paul").
 */
export function joinHyphenated(prev: string, next: string, compounds: Set<string>): string | undefined {
  // Only the end matters; looking at a short tail keeps this O(1) as a page or buffer grows.
  const h = WORD_HYPHEN.exec(prev.length > 100 ? prev.slice(-100) : prev);
  if (!h) return undefined;
  const n = NEXT_WORD.exec(next);
  if (!n) return prev + next; // "Jean-" + "Paul": keep the hyphen, no space
  const compound = `${h[1]}-${n[1]}`.toLowerCase();
  if (compounds.has(compound)) return prev + next;
  return prev.slice(0, -1) + next;
}

const COMPOUND = /\p{L}+-\p{L}+/gu;

/** Remember hyphenated words a text writes mid-line, so line-end hyphens of the same words are kept. */
export function collectCompounds(text: string, into: Set<string>, cap = 50_000): void {
  if (into.size >= cap || !text.includes("-")) return;
  for (const m of text.matchAll(COMPOUND)) into.add(m[0].toLowerCase());
}
