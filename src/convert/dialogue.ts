import { finding, PrepError, type Finding, type Origin } from "../record.js";
import type { RawChat } from "./chat.js";

export interface DialogueOptions {
  /** A regular expression matching a speaker tag at the start of a turn, with the tag in group 1. */
  speakerPattern?: string;
  /** Speaker tag whose turns are the user's (default #Person1#). */
  user?: string;
  /** Speaker tag whose turns are the assistant's (default #Person2#). */
  assistant?: string;
}

export const DEFAULT_SPEAKER_PATTERN = "^\\s*(#[^#\\n]+#)\\s*:\\s*";

/** Split speaker-tagged dialogue text (DialogSum's `#Person1#: …\n#Person2#: …`) into raw chat turns. */
export function dialogueParser(o: DialogueOptions = {}): (text: string, origin: Origin) => { chat: RawChat } | { findings: Finding[] } {
  let re: RegExp;
  try {
    re = new RegExp(o.speakerPattern ?? DEFAULT_SPEAKER_PATTERN, "gm");
  } catch (e) {
    throw new PrepError(`--speaker-pattern: ${(e as Error).message}`, 2);
  }
  if (!/\((?!\?)/.test(re.source)) throw new PrepError("--speaker-pattern needs a capture group around the speaker tag", 2);
  const roles = new Map<string, "user" | "assistant">([
    [o.user ?? "#Person1#", "user"],
    [o.assistant ?? "#Person2#", "assistant"],
  ]);
  return (text, origin) => {
    const marks = [...text.matchAll(re)];
    if (!marks.length) return { findings: [finding("no-turns", "no speaker tags found in the dialogue (see --speaker-pattern)", origin)] };
    const turns: RawChat["turns"] = [];
    const unknown = new Set<string>();
    marks.forEach((m, i) => {
      const start = m.index! + m[0].length;
      const end = i + 1 < marks.length ? marks[i + 1]!.index! : text.length;
      const speaker = m[1]!;
      const role = roles.get(speaker);
      if (!role) unknown.add(speaker);
      else turns.push({ role, content: text.slice(start, end).trim() });
    });
    if (unknown.size) {
      return { findings: [finding("unknown-speaker", `speaker${unknown.size > 1 ? "s" : ""} ${[...unknown].join(", ")} not mapped to user or assistant (see the user/assistant speaker options)`, origin)] };
    }
    return { chat: { turns } };
  };
}
