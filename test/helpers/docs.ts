import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const TOPICS = ["rivers", "photosynthesis", "volcanoes", "tides", "glaciers", "deserts", "coral reefs", "monsoons", "aurorae", "earthquakes", "comets", "wetlands"];

/** A CSV in the published recipe's shape: document, question, answer. */
export function docsCsv(dir: string, n: number): string {
  const p = join(dir, "docs.csv");
  const rows = Array.from({ length: n }, (_, i) => {
    const t = TOPICS[i % TOPICS.length]!;
    return `"Document ${i} about ${t}: ${t} shape the land in slow and sudden ways, and people have studied ${t} for centuries.",What is document ${i} about?,It is about ${t}.`;
  });
  writeFileSync(p, "document,question,answer\n" + rows.join("\n") + "\n");
  return p;
}
