import Module, { createRequire } from "node:module";

/**
 * pdf.js's Node build requires @napi-rs/canvas as it is imported, for the DOMMatrix, ImageData and Path2D it puts on
 * globalThis: a native library of ~21 MB of memory and ~30 ms in every thread that loads pdf.js (measured: import of
 * pdf.mjs and pdf.worker.mjs, 92 MB RSS and 213 ms with it, 71 MB and 185 ms without). Reading text uses none of
 * them. While `load` imports pdf.js, its require of the canvas package finds an empty module in the require cache
 * (Node's documented cache, which `require` checks first), and the globals it would install are set here instead:
 * - DOMMatrix: the package's own class, from its plain-JavaScript geometry.js (the very class the package exports,
 *   so its `instanceof` checks hold), no native code;
 * - ImageData and Path2D: stand-ins that load the real package the first time one is made (a page rendered for
 *   OCR), put its classes on globalThis, and return the real object. pdf.js reads these globals when it draws, so
 *   from then on it uses the real classes; the canvas factory requires the package itself when it makes a canvas.
 * Globals already there (set by the caller or another library) are left alone, and when the package is already
 * loaded, or not installed, nothing is changed.
 */
export async function withoutCanvas<T>(pdfjsFile: string, load: () => Promise<T>): Promise<T> {
  const require = createRequire(pdfjsFile);
  let main: string;
  let geometry: { DOMMatrix: unknown };
  try {
    main = require.resolve("@napi-rs/canvas");
    geometry = require("@napi-rs/canvas/geometry.js") as { DOMMatrix: unknown };
  } catch {
    return load(); // not installed: pdf.js warns that rendering is not available, as before
  }
  const cache = require.cache;
  if (cache[main]) return load();
  const g = globalThis as Record<string, unknown>;
  g.DOMMatrix ??= geometry.DOMMatrix;
  for (const name of ["ImageData", "Path2D"]) g[name] ??= standIn(name, () => require("@napi-rs/canvas") as Record<string, unknown>);
  const empty = new Module(main);
  empty.filename = main;
  empty.loaded = true;
  empty.exports = {};
  cache[main] = empty;
  try {
    return await load();
  } finally {
    if (cache[main] === empty) delete cache[main];
  }
}

/** A class that, when first constructed or tested with `instanceof`, becomes the canvas package's own. */
function standIn(name: string, canvas: () => Record<string, unknown>): unknown {
  type Ctor = new (...args: unknown[]) => object;
  const real = (): Ctor => {
    const c = canvas()[name] as Ctor;
    const g = globalThis as Record<string, unknown>;
    if (g[name] === stand) g[name] = c;
    return c;
  };
  const stand = class {
    constructor(...args: unknown[]) {
      return new (real())(...args);
    }
    static [Symbol.hasInstance](v: unknown): boolean {
      return v instanceof real();
    }
  };
  Object.defineProperty(stand, "name", { value: name });
  return stand;
}
