/** Page images read by OCR, by extension (kept apart from the reader so the CLI can ask without loading it). */
export const IMAGE_GLOB = "png,jpg,jpeg,tif,tiff";
export const isImage = (path: string) => /\.(png|jpe?g|tiff?)$/i.test(path);
