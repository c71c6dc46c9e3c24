import { inflateSync } from "node:zlib";

/**
 * What drawing one page costs an extractor, counted before either engine sees the file: the inflated bytes of the
 * page's content streams summed, plus each form XObject's inflated content times the number of times the page (or
 * a form it draws) draws it. A 51 KB file whose page draws a 16 MB form 1,000 times is 16 GB of operators; a page
 * whose /Contents lists 64 streams of 16 MB each is 1 GB; each stream alone is under --max-stream-mb.
 *
 * A reader of the file's own objects (numbered objects and object streams), not a PDF parser: what it cannot
 * follow (an encrypted file, a filter other than Flate, a reference it cannot resolve) it counts by its stored size
 * or leaves to the engines' own bounds, so it refuses nothing a real document needs.
 */

interface Obj {
  dict: string;
  /** The stream's stored bytes, for a stream object. */
  stream?: Buffer;
}

const MAX_DICT = 64 * 1024;
const MAX_FORM_DEPTH = 8;
const OBJ = Buffer.from(" obj");

/** The first page (1-based) that draws more than `limit` bytes of content, with what it draws; else undefined. */
export function costlyPage(pdf: Uint8Array, limit: number, maxPages = 100_000): { page: number; bytes: number } | undefined {
  try {
    return count(pdf, limit, maxPages);
  } catch {
    // Anything this reader cannot follow is left to the engines' own bounds.
    return undefined;
  }
}

function count(pdf: Uint8Array, limit: number, maxPages: number): { page: number; bytes: number } | undefined {
  const buf = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const objects = indexObjects(buf);
  if (!objects.size) return undefined;
  const tail = buf.toString("latin1", Math.max(0, buf.length - 4096));
  // An encrypted file's streams cannot be inflated here: the engines' own bounds apply.
  if (buf.indexOf("/Encrypt") !== -1) return undefined;
  const root = lastRef(tail, "Root") ?? rootInObjects(objects);
  const catalog = root === undefined ? undefined : objects.get(root);
  const pagesRef = catalog ? ref(catalog.dict, "Pages") : undefined;
  if (pagesRef === undefined) return undefined;

  const sizes = new Map<number, number>();
  /** The stream last inflated, so that its `Do`s are read without inflating it again. */
  let last: { n: number; data: Buffer } | undefined;
  /** A stream's inflated size, at most limit + 1 (counted once however often it is used). */
  const sizeOf = (n: number): number => {
    let s = sizes.get(n);
    if (s !== undefined) return s;
    const o = objects.get(n);
    s = 0;
    if (o?.stream) {
      try {
        const data = inflated(o, limit + 1);
        last = { n, data };
        s = data.length;
      } catch (e) {
        s = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" ? limit + 1 : o.stream.length;
      }
    }
    sizes.set(n, s);
    return s;
  };
  const draws = new Map<number, Map<string, number>>();
  /** The XObject names a content stream draws, with how often (only for streams within the limit). */
  const drawsOf = (n: number): Map<string, number> => {
    let d = draws.get(n);
    if (d !== undefined) return d;
    d = new Map();
    draws.set(n, d);
    const o = objects.get(n);
    if (!o?.stream || sizeOf(n) > limit) return d;
    let data: Buffer;
    try {
      data = last?.n === n ? last.data : inflated(o, limit + 1);
    } catch {
      return d; // not inflatable here (damaged): the engines decide
    }
    if (data.indexOf("Do") === -1) return d;
    for (const m of data.toString("latin1").matchAll(/\/([^\s/[\]<>(){}%]+)\s*Do\b/g)) d.set(m[1]!, (d.get(m[1]!) ?? 0) + 1);
    return d;
  };
  const formCost = new Map<number, number>();
  /** A form XObject's cost: its content and, times their uses, the forms it draws. */
  const costOfForm = (n: number, inherited: Map<string, number>, depth: number): number => {
    const known = formCost.get(n);
    if (known !== undefined) return known;
    if (depth > MAX_FORM_DEPTH) return 0;
    formCost.set(n, 0); // a form that draws itself: counted once
    const o = objects.get(n);
    if (!o?.stream || !/\/Subtype\s*\/Form\b/.test(o.dict)) return 0;
    const own = xobjects(objects, resourcesOf(objects, o.dict)) ?? inherited;
    const c = Math.min(limit + 1, sizeOf(n) + drawn(n, own, depth + 1));
    formCost.set(n, c);
    return c;
  };
  /** What content stream `n` draws through the forms it names, times their uses. */
  const drawn = (n: number, xo: Map<string, number>, depth: number): number => {
    if (!xo.size) return 0;
    let total = 0;
    for (const [name, uses] of drawsOf(n)) {
      const target = xo.get(name);
      if (target === undefined) continue;
      total += uses * costOfForm(target, xo, depth);
      if (total > limit) return total;
    }
    return total;
  };

  // The page tree, depth first in order, with inherited resources; each node once.
  let page = 0;
  const seen = new Set<number>();
  const walk = (n: number, inheritedRes: string | undefined): { page: number; bytes: number } | undefined => {
    if (seen.has(n) || page >= maxPages) return undefined;
    seen.add(n);
    const node = objects.get(n);
    if (!node) return undefined;
    const res = resourcesOf(objects, node.dict) ?? inheritedRes;
    if (/\/Type\s*\/Pages\b/.test(node.dict)) {
      for (const kid of refsIn(arrayOf(objects, node.dict, "Kids") ?? "")) {
        const hit = walk(kid, res);
        if (hit) return hit;
      }
      return undefined;
    }
    if (!/\/Type\s*\/Page\b/.test(node.dict)) return undefined;
    page++;
    const contents = contentRefs(objects, node.dict);
    let bytes = 0;
    for (const c of contents) {
      bytes += sizeOf(c);
      if (bytes > limit) return { page, bytes };
    }
    const xo = xobjects(objects, res) ?? new Map<string, number>();
    for (const c of contents) {
      bytes += drawn(c, xo, 0);
      if (bytes > limit) return { page, bytes };
    }
    return undefined;
  };
  return walk(pagesRef, undefined);
}

/** Every numbered object: top-level ones, and those packed in object streams. */
function indexObjects(buf: Buffer): Map<number, Obj> {
  const objects = new Map<number, Obj>();
  const packed: Obj[] = [];
  for (let at = buf.indexOf(OBJ); at !== -1; at = buf.indexOf(OBJ, at + OBJ.length)) {
    const head = buf.toString("latin1", Math.max(0, at - 24), at);
    const m = /(\d+)\s+(\d+)$/.exec(head);
    if (!m) continue;
    const start = at + OBJ.length;
    // Most objects end within a few hundred bytes: look at 2 KB, then at most MAX_DICT.
    let window = buf.toString("latin1", start, Math.min(buf.length, start + 2048));
    let end = window.indexOf("endobj");
    let st = window.search(/\bstream\r?\n/);
    if (end === -1 && st === -1) {
      window = buf.toString("latin1", start, Math.min(buf.length, start + MAX_DICT));
      end = window.indexOf("endobj");
      st = window.search(/\bstream\r?\n/);
    }
    const o: Obj = { dict: window.slice(0, st !== -1 && (end === -1 || st < end) ? st : end === -1 ? window.length : end) };
    if (st !== -1 && (end === -1 || st < end)) {
      let dataAt = start + st + "stream".length;
      if (buf[dataAt] === 13) dataAt++;
      if (buf[dataAt] === 10) dataAt++;
      const stop = buf.indexOf("endstream", dataAt);
      if (stop === -1) continue;
      o.stream = buf.subarray(dataAt, stop);
      at = stop;
    }
    objects.set(Number(m[1]), o);
    if (o.stream && /\/Type\s*\/ObjStm\b/.test(o.dict)) packed.push(o);
  }
  for (const s of packed) {
    const n = Number(/\/N\s+(\d+)/.exec(s.dict)?.[1] ?? 0);
    const first = Number(/\/First\s+(\d+)/.exec(s.dict)?.[1] ?? 0);
    let body: string;
    try {
      body = inflated(s, 64 * 1024 * 1024).toString("latin1");
    } catch {
      continue;
    }
    const nums = body.slice(0, first).trim().split(/\s+/).map(Number);
    for (let i = 0; i < n && 2 * i + 1 < nums.length; i++) {
      const num = nums[2 * i]!;
      const from = first + nums[2 * i + 1]!;
      const to = 2 * i + 3 < nums.length ? first + nums[2 * i + 3]! : body.length;
      if (!objects.has(num)) objects.set(num, { dict: body.slice(from, Math.min(to, from + MAX_DICT)) });
    }
  }
  return objects;
}

function inflated(o: Obj, cap: number): Buffer {
  if (!/\/Filter\s*(\[\s*)?\/FlateDecode\b/.test(o.dict) || /\/Filter\s*\[\s*\/FlateDecode\s*\/\w/.test(o.dict)) return o.stream!.subarray(0, cap);
  return inflateSync(o.stream!, { maxOutputLength: cap, finishFlush: 2 });
}

/** The catalog named by the first trailer-like object (a cross-reference stream) that has a /Root. */
function rootInObjects(objects: Map<number, Obj>): number | undefined {
  for (const o of objects.values()) {
    if (!o.dict.includes("/Root")) continue;
    const r = lastRef(o.dict, "Root");
    if (r !== undefined) return r;
  }
  return undefined;
}

function ref(dict: string, key: string): number | undefined {
  const m = new RegExp(`/${key}\\s+(\\d+)\\s+\\d+\\s+R`).exec(dict);
  return m ? Number(m[1]) : undefined;
}

function lastRef(text: string, key: string): number | undefined {
  const all = [...text.matchAll(new RegExp(`/${key}\\s+(\\d+)\\s+\\d+\\s+R`, "g"))];
  return all.length ? Number(all[all.length - 1]![1]) : undefined;
}

function refsIn(text: string): number[] {
  return [...text.matchAll(/(\d+)\s+\d+\s+R/g)].map((m) => Number(m[1]));
}

/** The balanced `<<…>>` starting at `at`. */
function balancedDict(text: string, at: number): string | undefined {
  let depth = 0;
  for (let i = at; i < text.length - 1; i++) {
    if (text[i] === "<" && text[i + 1] === "<") {
      depth++;
      i++;
    } else if (text[i] === ">" && text[i + 1] === ">") {
      depth--;
      i++;
      if (depth === 0) return text.slice(at, i + 1);
    }
  }
  return undefined;
}

/** The value of `/key` in a dictionary as a dictionary's text: inline, or the object a reference names. */
function dictOf(objects: Map<number, Obj>, dict: string, key: string): string | undefined {
  const m = new RegExp(`/${key}\\s*(<<|(\\d+)\\s+\\d+\\s+R)`).exec(dict);
  if (!m) return undefined;
  if (m[2] !== undefined) return objects.get(Number(m[2]))?.dict;
  return balancedDict(dict, m.index + m[0].length - 2);
}

function resourcesOf(objects: Map<number, Obj>, dict: string): string | undefined {
  return dictOf(objects, dict, "Resources");
}

/** XObject names → object numbers in a resources dictionary. */
function xobjects(objects: Map<number, Obj>, resources: string | undefined): Map<string, number> | undefined {
  if (resources === undefined) return undefined;
  const xo = dictOf(objects, resources, "XObject");
  const map = new Map<string, number>();
  if (xo) for (const m of xo.matchAll(/\/([^\s/[\]<>(){}%]+)\s+(\d+)\s+\d+\s+R/g)) map.set(m[1]!, Number(m[2]));
  return map;
}

/** `/key [ … ]` inline, or the array object a reference names. */
function arrayOf(objects: Map<number, Obj>, dict: string, key: string): string | undefined {
  const m = new RegExp(`/${key}\\s*(\\[([^\\]]*)\\]|(\\d+)\\s+\\d+\\s+R)`).exec(dict);
  if (!m) return undefined;
  if (m[2] !== undefined) return m[2];
  return objects.get(Number(m[3]))?.dict;
}

/** A page's content streams: one reference, or an array of them (inline, or in an array object). */
function contentRefs(objects: Map<number, Obj>, dict: string): number[] {
  const m = /\/Contents\s*(\[([^\]]*)\]|(\d+)\s+\d+\s+R)/.exec(dict);
  if (!m) return [];
  if (m[2] !== undefined) return refsIn(m[2]);
  const n = Number(m[3]);
  const o = objects.get(n);
  if (o && !o.stream && /^\s*\[/.test(o.dict)) return refsIn(o.dict);
  return [n];
}
