/** Pixels per page at most: an A4 page at 1,000 dpi is 96.6 million; Tesseract (WebAssembly, 32-bit) holds several copies. */
export const MAX_IMAGE_PIXELS = 100_000_000;

/** RGBA pixels as a grey binary PGM (netpbm P5), which Tesseract's image library reads: luma by Rec. 601 weights. */
export function greyPgm(rgba: Uint8Array, w: number, h: number): Buffer {
  const head = Buffer.from(`P5\n${w} ${h}\n255\n`, "ascii");
  const out = Buffer.allocUnsafe(head.length + w * h);
  head.copy(out);
  for (let i = 0, j = head.length; i < w * h; i++, j++) out[j] = (rgba[i * 4]! * 299 + rgba[i * 4 + 1]! * 587 + rgba[i * 4 + 2]! * 114) / 1000;
  return out;
}
