import { isUtf8 } from "node:buffer";

/** The hint every encoding finding ends with. */
/**
 * NUL and the C0/C1 controls other than tab, line feed, carriage return, form feed and U+0085 (a line breaker the
 * writer escapes): binary junk, never text a model should learn. Escape (U+001B) is a control too.
 */
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u0084\u0086-\u009f]/;

/** `U+0007` for a character. */
export function codePointName(ch: string): string {
  return `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

export const ENCODING_HINT = "if the file is not UTF-8, pass --encoding (utf16le, utf16be, latin1)";

/**
 * Byte offsets (from `start`, absolute in `b`) of each invalid UTF-8 sequence in b[start, end): a stray
 * continuation byte, an overlong form, a surrogate, a code point above U+10FFFF, or a sequence cut short. Each
 * maximal invalid subpart counts once (as the WHATWG decoder replaces it with one U+FFFD). At most `max` offsets.
 */
export function invalidUtf8(b: Uint8Array, start = 0, end = b.length, max = Infinity): number[] {
  const out: number[] = [];
  if (isUtf8(b.subarray(start, end))) return out;
  let i = start;
  while (i < end && out.length < max) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else {
      out.push(i);
      i++;
      continue;
    }
    let k = 1;
    for (; k <= need; k++) {
      const d = b[i + k];
      if (i + k >= end || d === undefined || (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf)) break;
    }
    if (k > need) i += need + 1;
    else {
      out.push(i);
      i += k;
    }
  }
  return out;
}

/** The first invalid UTF-8 offset in b[start, end), or -1. */
export function firstInvalidUtf8(b: Uint8Array, start = 0, end = b.length): number {
  return invalidUtf8(b, start, end, 1)[0] ?? -1;
}

/** How many bytes at the end of `b` are the start of a UTF-8 sequence that the next chunk completes. */
function incompleteTail(b: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const c = b[b.length - k]!;
    if (c < 0x80) return 0;
    if (c >= 0xc0) {
      const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      return len > k ? k : 0;
    }
  }
  return 0;
}

/**
 * Follows a UTF-8 byte stream chunk by chunk and records the absolute offset of every invalid sequence, so that a
 * reader which lets its parser decode (replacing bad bytes with U+FFFD) can still say which record had them and
 * where. Sequences split across chunks are judged once both halves are in.
 */
export class Utf8Tracker {
  /** Offsets of invalid sequences not yet claimed by a record, in file order. */
  readonly pending: number[] = [];
  private offset = 0;
  private carry: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): void {
    let b = chunk;
    if (this.carry.length) {
      b = new Uint8Array(this.carry.length + chunk.length);
      b.set(this.carry, 0);
      b.set(chunk, this.carry.length);
    }
    const tail = incompleteTail(b);
    const body = b.length - tail;
    // One fast check per chunk; the byte-by-byte scan only when something is wrong.
    for (const at of invalidUtf8(b, 0, body)) this.pending.push(this.offset + at);
    this.offset += body;
    this.carry = b.slice(body);
  }

  end(): void {
    if (this.carry.length) this.pending.push(this.offset);
    this.offset += this.carry.length;
    this.carry = new Uint8Array(0);
  }

  /** Remove and return the pending offsets before `end` (absolute). */
  claim(end: number): number[] {
    let k = 0;
    while (k < this.pending.length && this.pending[k]! < end) k++;
    return this.pending.splice(0, k);
  }
}

/**
 * A UTF-16 file without a byte-order mark reads as text with a NUL byte after (LE) or before (BE) every ASCII
 * character. Judged on the first bytes: most of the odd (LE) or even (BE) bytes are NUL and the others are not.
 */
export function utf16WithoutBom(head: Uint8Array): "utf16le" | "utf16be" | undefined {
  const n = Math.min(head.length, 512) & ~1;
  if (n < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenNul++;
    if (head[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > pairs * 0.4 && evenNul < pairs * 0.1) return "utf16le";
  if (evenNul > pairs * 0.4 && oddNul < pairs * 0.1) return "utf16be";
  return undefined;
}

/** The message for a file that looks like UTF-16 without a byte-order mark. */
export function utf16Message(kind: "utf16le" | "utf16be"): string {
  return `the file looks like ${kind === "utf16le" ? "UTF-16LE" : "UTF-16BE"} without a byte-order mark (NUL bytes between the characters); pass --encoding ${kind}`;
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * A path to the first string in a parsed JSON value that holds a lone surrogate (from an escape such as
 * `"\ud800"`, which has no UTF-8 form), or undefined. `raw` is the JSON text: values are walked only when it holds
 * a surrogate escape at all.
 */
export function loneSurrogate(raw: string, value: unknown): string | undefined {
  if (!SURROGATE_ESCAPE.test(raw)) return undefined;
  return walk(value, "");
}

function walk(v: unknown, path: string): string | undefined {
  if (typeof v === "string") return v.isWellFormed() ? undefined : path || "value";
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = walk(v[i], `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (!k.isWellFormed()) return `${path ? `${path}.` : ""}${k} (key)`;
      const p = walk(x, path ? `${path}.${k}` : k);
      if (p) return p;
    }
  }
  return undefined;
}
