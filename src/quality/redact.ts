import { createRequire } from "node:module";

/**
 * PII redaction: each match replaced by a placeholder for its kind, counted per kind. Patterns are chosen to leave
 * alone what looks like PII but is not: version numbers (v1.2.3.4, "version 10.0.0.1"), ISBNs, dates, page ranges.
 * Credit-card numbers only when the digits pass the Luhn check and start like a card network's numbers.
 */

export const REDACT_KINDS = ["email", "phone", "ip", "credit-card", "aws-key"] as const;
export type RedactKind = (typeof REDACT_KINDS)[number];

export const PLACEHOLDER: Record<RedactKind, string> = {
  email: "[EMAIL]",
  phone: "[PHONE]",
  ip: "[IP]",
  "credit-card": "[CREDIT_CARD]",
  "aws-key": "[AWS_KEY]",
};

// Internationalised too (josé@exämple.es, 用户@例子.中国): letters of any script. The top-level domain must be a real
// one (the \`tlds\` package's list of the root zone), so file names such as R-en@quot.po are not addresses; nor is a
// path component (…/de@formal.mo: after a slash).
const EMAIL = /(?<![\p{L}\p{N}\p{M}._%+\/\\-])[\p{L}\p{N}][\p{L}\p{N}\p{M}._%+-]*@[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?)*\.(\p{L}[\p{L}\p{M}]{1,23}|xn--[a-z0-9-]{1,59})(?![\p{L}\p{N}\p{M}])/gu;
let tldSet: Set<string> | undefined;
function realTld(tld: string): boolean {
  tldSet ??= new Set(createRequire(import.meta.url)("tlds") as string[]);
  return tldSet.has(tld.toLowerCase());
}

// AWS access key ids (AKIA long-term, ASIA temporary, …) and a secret access key next to a name that says so.
const AWS_KEY_ID = /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])/g;
const AWS_SECRET = /(aws_?secret_?(?:access_?)?key|secretaccesskey|secret_access_key)(["']?\s*[:=]\s*["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi;

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`(?<![\\d.])${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}(?![\\d]|\\.\\d)`, "g");
const H = "[0-9A-Fa-f]{1,4}";
// Full 8-group form, or a compressed one with "::" (at least one group on a side).
const IPV6 = new RegExp(`(?<![0-9A-Za-z:])(?:(?:${H}:){7}${H}|(?:${H}:){1,6}:(?:${H}(?::${H}){0,5})?|::(?:${H}:){0,5}${H})(?![0-9A-Za-z:])`, "g");

// Phone numbers: an international number (+ country code, 8–15 digits in groups) or a North American one written
// (NNN) NNN-NNNN / NNN-NNN-NNNN / NNN.NNN.NNNN. No bare digit runs: those are as often ids, ISBNs or amounts.
const PHONE_INTL = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,4}){2,5}(?![\w])/g;
// With a leading 1 (1-800-555-0199, 1 (800) 555-0199). Spaces alone (415 555 2671) only where the digits are a
// North American number: area code and exchange start with 2–9 (so "100 200 3000" stays).
const PHONE_NA = /(?<![\w.-])(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}([.-]))\d{3}(?:\1|[.-])\d{4}(?![\w]|[.-]\d)/g;
const PHONE_CONTEXT = /\b(?:call|phone|tel|telephone|fax|mobile|cell|contact|dial|sms)\b[^\d\n]{0,12}$/i;
const PHONE_NA_SPACED = /(?<![\w.+-])(?:1 )?[2-9]\d{2} [2-9]\d{2} \d{4}(?![\w]|[ .-]\d)/g;

const CARD = /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])/g;

/** The text before a match says it is a version, an ISBN, a DOI or a page/figure reference: not PII. */
const NOT_PII_BEFORE = /(?:\b(?:v|ver|version|release|build|rev|revision|isbn(?:-1[03])?|issn|doi|arxiv|pp?|page|pages|fig|figure|table|vol|no)\.?:?\s*)$/i;

// Words that say an address follows: right before it, or (the strong ones) up to two words before ("the server is
// at 10.0.0.12"); "from"/"to" only right before (they precede section numbers as often).
const IP_CONTEXT = /(?:\b(?:ip|ipv4|address(?:es)?|addr|host|hostname|server|gateway|router|dns|subnet|netmask|ping|ssh|connect(?:ed|ion|s)?)\b(?:\s+[A-Za-z-]+){0,2}|\b(?:from|to)\b)[\s:=("'\[]*$/i;

export function luhn(digits: string): boolean {
  let sum = 0;
  let alt = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (alt) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    alt = !alt;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes and lengths of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay). */
function cardLike(d: string): boolean {
  const n = d.length;
  if (/^4/.test(d)) return n === 13 || n === 16 || n === 19;
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(d)) return n === 16;
  if (/^3[47]/.test(d)) return n === 15;
  if (/^(6011|65|64[4-9])/.test(d)) return n >= 16 && n <= 19;
  if (/^35(2[89]|[3-8]\d)/.test(d)) return n >= 16 && n <= 19;
  if (/^3(0[0-5]|[689])/.test(d)) return n >= 14 && n <= 19;
  if (/^62/.test(d)) return n >= 16 && n <= 19;
  return false;
}

/** Replaces PII of the chosen kinds in texts, counting what it replaced per kind. */
export class Redactor {
  readonly counts: Partial<Record<RedactKind, number>> = {};
  private readonly kinds: Set<RedactKind>;

  constructor(kinds: readonly RedactKind[]) {
    this.kinds = new Set(kinds);
  }

  private hit(kind: RedactKind): string {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    return PLACEHOLDER[kind];
  }

  redact(text: string): string {
    let t = text;
    const k = this.kinds;
    if (k.has("aws-key")) {
      t = t.replace(AWS_KEY_ID, () => this.hit("aws-key"));
      t = t.replace(AWS_SECRET, (_m, name: string, sep: string) => name + sep + this.hit("aws-key"));
    }
    if (k.has("email")) t = t.replace(EMAIL, (m, tld: string) => (realTld(tld) ? this.hit("email") : m));
    if (k.has("credit-card")) {
      t = t.replace(CARD, (m, offset: number, all: string) => {
        const d = m.replace(/[ -]/g, "");
        if (!cardLike(d) || !luhn(d) || NOT_PII_BEFORE.test(all.slice(Math.max(0, offset - 16), offset))) return m;
        // Grouped digits must be grouped like a card (4-4-4-4, 4-6-5), not a list of numbers.
        if (/[ -]/.test(m) && !/^\d{4}([ -])\d{4,6}\1\d{4,5}(\1\d{1,4})?$/.test(m)) return m;
        return this.hit("credit-card");
      });
    }
    if (k.has("ip")) {
      t = t.replace(IPV4, (m, offset: number, all: string) => {
        const before = all.slice(Math.max(0, offset - 40), offset);
        if (NOT_PII_BEFORE.test(before.slice(-16))) return m;
        // Section and version numbers (2.1.6.1, 4.5.1.1) have small parts: an address needs a part over 31 or
        // words before it that say it is one.
        if (m.split(".").every((p) => Number(p) <= 31) && !IP_CONTEXT.test(before)) return m;
        return this.hit("ip");
      });
      t = t.replace(IPV6, (m) => (/[0-9]/.test(m) && (m.includes("::") ? m.length >= 6 : true) && !/^\d+:\d+$/.test(m) ? this.hit("ip") : m));
    }
    if (k.has("phone")) {
      const phone = (m: string, offset: number, all: string) => {
        const digits = m.replace(/\D/g, "").length;
        if (digits < 8 || digits > 15 || NOT_PII_BEFORE.test(all.slice(Math.max(0, offset - 16), offset))) return m;
        return this.hit("phone");
      };
      t = t.replace(PHONE_INTL, phone);
      t = t.replace(PHONE_NA, (m: string, _sep: string, offset: number, all: string) => phone(m, offset, all));
      // Spaced digit groups are as often table cells: only after a word that says a phone number follows.
      t = t.replace(PHONE_NA_SPACED, (m: string, offset: number, all: string) => (PHONE_CONTEXT.test(all.slice(Math.max(0, offset - 24), offset)) ? phone(m, offset, all) : m));
    }
    return t;
  }
}

/** `email,phone` → the kinds; unknown names are an error listing the valid ones. */
export function parseRedactKinds(spec: string): RedactKind[] {
  const out: RedactKind[] = [];
  for (const raw of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const k = raw === "all" ? undefined : (raw as RedactKind);
    if (k === undefined) out.push(...REDACT_KINDS);
    else if ((REDACT_KINDS as readonly string[]).includes(k)) out.push(k);
    else throw new Error(`--redact: unknown kind "${raw}"; the kinds are ${REDACT_KINDS.join(", ")} (or all)`);
  }
  return [...new Set(out)];
}
