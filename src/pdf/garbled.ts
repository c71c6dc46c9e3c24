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
  /** Share of tokens holding a code point running text does not use (see ODD). */
  odd: number;
}

/**
 * Code points that running text in any living orthography does not use, but a font whose ToUnicode map is off by a
 * block yields in place of digits and punctuation (a real paper came out of poppler as `wordǡ wordǤ ͳͻͺͷȌ`, pdf.js
 * dropping the same glyphs): Latin Extended-B outside the letters Vietnamese (ơ ư), Pinyin (ǎ … ǜ), Romanian (ș ț)
 * and a few others use, and the archaic Greek letters and signs before U+0384. Judged the same whichever engine
 * extracted the page.
 */
const ODD = /^[\u0180-\u019f\u01a2-\u01ae\u01b1-\u01c3\u01dd-\u0217\u021c-\u024f\u0370-\u0373\u0376\u0377\u037a-\u037d]$/u;
/** At or above this share of tokens with an odd code point a text is garbled. */
const MAX_ODD = 0.08;

/** Fewer tokens than this are too little to judge. */
const MIN_TOKENS = 20;
/** At or below this share of word-like tokens a text is garbled. */
const MIN_WORDLIKE = 0.4;

/**
 * Dot leaders, rules and bullets (a table of contents, a form), and ornaments drawn with arrows, box drawing,
 * geometric shapes and dingbats (a book's printer's marks, ❚❘❙): filler, not evidence either way. A token made
 * only of these is not counted.
 */
const FILLER = /^[.·…•_\-–—=*~\u2190-\u21FF\u2500-\u27BF\u2B00-\u2BFF]$/u;
const ALNUM = /^[\p{L}\p{N}\p{M}]$/u;
const SPACE = /^\s$/u;

// Character classes, as bits: whitespace (splits tokens), a letter, digit or mark, filler.
const IS_SPACE = 1;
const IS_ALNUM = 2;
const IS_FILLER = 4;
const IS_ODD = 16;
/** BMP classes + 8, filled as characters are met (0 = not yet); astral ones in a map. */
const bmp = new Uint8Array(65536); // classes + 8 fit in a byte (IS_ODD + … + 8 < 256)
const astral = new Map<number, number>();

function classify(cp: number): number {
  const ch = String.fromCodePoint(cp);
  return (SPACE.test(ch) ? IS_SPACE : 0) | (ALNUM.test(ch) ? IS_ALNUM : 0) | (FILLER.test(ch) ? IS_FILLER : 0) | (ODD.test(ch) ? IS_ODD : 0);
}

/**
 * One pass over the text, character class by table: tokens are runs of non-whitespace; a token is word-like when
 * at least half its code points are letters, digits or marks (and one is). The check runs on every page.
 */
export function garbledText(text: string): GarbledVerdict {
  let tokens = 0;
  let wordlike = 0;
  // The current token: code points, letters/digits/marks among them, whether all were filler.
  let cps = 0;
  let alnum = 0;
  let filler = true;
  let oddHere = false;
  let odd = 0;
  const n = text.length;
  for (let i = 0; i <= n; i++) {
    let k = IS_SPACE;
    if (i < n) {
      let c = text.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      if (c < 65536) {
        k = bmp[c]!;
        if (k === 0) bmp[c] = k = classify(c) + 8;
        k -= 8;
      } else {
        let a = astral.get(c);
        if (a === undefined) astral.set(c, (a = classify(c)));
        k = a;
      }
    }
    if (k & IS_SPACE) {
      if (cps > 0 && !filler) {
        tokens++;
        if (alnum > 0 && alnum * 2 >= cps) wordlike++;
        if (oddHere) odd++;
      }
      cps = 0;
      alnum = 0;
      filler = true;
      oddHere = false;
      continue;
    }
    cps++;
    if (k & IS_ALNUM) alnum++;
    if (k & IS_ODD) oddHere = true;
    if (!(k & IS_FILLER)) filler = false;
  }
  const share = tokens ? wordlike / tokens : 1;
  const oddShare = tokens ? odd / tokens : 0;
  return { garbled: tokens >= MIN_TOKENS && (share < MIN_WORDLIKE || oddShare >= MAX_ODD), tokens, wordlike: share, odd: oddShare };
}
