import type { MediaRef } from "../record.js";

/**
 * Media files a conversation record can name, by kind and extension: the block's `format` and the content types the
 * file is stored with (the first is the one prep-data writes). One table for building blocks, uploading files and
 * checking stored objects.
 */
export const MEDIA_FILES: Record<MediaRef["kind"], Record<string, { format: string; mime: string[] }>> = {
  image: {
    png: { format: "png", mime: ["image/png"] },
    jpg: { format: "jpeg", mime: ["image/jpeg"] },
    jpeg: { format: "jpeg", mime: ["image/jpeg"] },
    gif: { format: "gif", mime: ["image/gif"] },
    webp: { format: "webp", mime: ["image/webp"] },
  },
  video: {
    mov: { format: "mov", mime: ["video/quicktime"] },
    mkv: { format: "mkv", mime: ["video/x-matroska", "video/matroska"] },
    mp4: { format: "mp4", mime: ["video/mp4"] },
    webm: { format: "webm", mime: ["video/webm"] },
  },
  document: { pdf: { format: "pdf", mime: ["application/pdf"] } },
};

/** The content types that fit a block's kind and format. */
export function mimeOf(kind: MediaRef["kind"], format: string): string[] | undefined {
  return Object.values(MEDIA_FILES[kind]).find((f) => f.format === format)?.mime;
}
