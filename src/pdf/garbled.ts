/**
 * Text that is not language: what a PDF whose fonts map glyphs to the wrong code points yields (`+ +  %  !$ &
 * Introduction ,  -./01 *`). Judged on whitespace-separated tokens: a token is word-like when at least half its
 * characters are letters or digits and it holds a letter or a digit; real text in any script (and numeric tables)
 * is mostly word-like tokens, symbol soup is not. Dot leaders and rules (tables of contents) are not counted.
 */
export interface GarbledVerdict {
  garbled: boolean;
  tokens: number;
  /** Share of word-like tokens. */
  wordlike: number;
}

/** Fewer tokens than this are too little to judge. */
const MIN_TOKENS = 20;
/** At or below this share of word-like tokens a text is garbled. */
const MIN_WORDLIKE = 0.4;

/**
 * Dot leaders, rules and bullets (a table of contents, a form), and ornaments drawn with arrows, box drawing,
 * geometric shapes and dingbats (a book's printer's marks, ❚❘❙): filler, not evidence either way.
 */
const FILLER = /^[.·…•_\-–—=*~\u2190-\u21FF\u2500-\u27BF\u2B00-\u2BFF]+$/u;

const ALL_ALNUM = /^[\p{L}\p{N}\p{M}]+$/u;
const ALNUM = /[\p{L}\p{N}\p{M}]/gu;
const SURROGATE = /[\ud800-\udfff]/;

export function garbledText(text: string): GarbledVerdict {
  const tokens = text.split(/\s+/).filter((t) => t && !FILLER.test(t));
  let wordlike = 0;
  for (const t of tokens) {
    // Most tokens are all letters and digits; the rest are counted by code point (a regular expression per token,
    // not per character: the check runs on every page).
    if (ALL_ALNUM.test(t)) {
      wordlike++;
      continue;
    }
    const alnum = t.match(ALNUM)?.length ?? 0;
    if (alnum > 0 && alnum * 2 >= (SURROGATE.test(t) ? [...t].length : t.length)) wordlike++;
  }
  const share = tokens.length ? wordlike / tokens.length : 1;
  return { garbled: tokens.length >= MIN_TOKENS && share < MIN_WORDLIKE, tokens: tokens.length, wordlike: share };
}
