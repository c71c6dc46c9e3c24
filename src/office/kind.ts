/** The office and e-book files the text command reads, told from the name (without loading their readers). */
export type OfficeKind = "docx" | "pptx" | "epub" | "odt";

export function officeKind(path: string): OfficeKind | undefined {
  const m = /\.(docx|pptx|epub|odt)$/i.exec(path);
  return m ? (m[1]!.toLowerCase() as OfficeKind) : undefined;
}

/** What a chunk's range counts in a file of this kind: a DOCX/ODT paragraph, a slide, a chapter. */
export function officeUnit(kind: OfficeKind): "paragraphs" | "slides" | "chapters" {
  return kind === "pptx" ? "slides" : kind === "epub" ? "chapters" : "paragraphs";
}
