import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkRecord, conversation, getFormat, instruction, messages, RecordIssue, schemaFiles } from "../../src/index.js";
import { ROOT } from "../helpers/run.js";
import { committedSchemaValidator } from "../helpers/schemas.js";

const origin = { source: "t" };

describe("schemas/ is generated from the zod schemas", () => {
  it("every committed schema file equals what the zod schemas generate (run `npm run schemas` when this fails)", () => {
    const files = schemaFiles();
    expect(readdirSync(join(ROOT, "schemas")).sort()).toEqual(files.map((f) => f.file).sort());
    for (const f of files) expect(readFileSync(join(ROOT, "schemas", f.file), "utf8"), f.file).toBe(f.text);
  });

  it("each schema has its own $id and is exported as prep-data/schemas/NAME.schema.json", () => {
    const require = createRequire(join(ROOT, "package.json"));
    const ids = new Set<string>();
    for (const f of schemaFiles()) {
      const resolved = require.resolve(`prep-data/schemas/${f.file}`);
      expect(resolved).toBe(join(ROOT, "schemas", f.file));
      const schema = JSON.parse(readFileSync(resolved, "utf8"));
      expect(schema.$id).toBe(`urn:prep-data:schema:${f.file.replace(".schema.json", "")}`);
      ids.add(schema.$id);
    }
    expect(ids.size).toBe(schemaFiles().length);
  });
});

describe("record formats", () => {
  it("instruction: builds prompt/completion and refuses a system prompt or extra keys", () => {
    const ok = instruction.fromDraft({ kind: "chat", turns: [{ role: "user", content: "Q" }, { role: "assistant", content: "A" }], origin });
    expect(ok).toEqual({ prompt: "Q", completion: "A" });
    const sys = instruction.fromDraft({ kind: "chat", system: "S", turns: [{ role: "user", content: "Q" }, { role: "assistant", content: "A" }], origin });
    expect(sys).toBeInstanceOf(RecordIssue);
    const extra = checkRecord(instruction, { prompt: "Q", completion: "A", id: 1 });
    expect(extra.ok).toBe(false);
    expect(!extra.ok && extra.issues[0]!.category).toBe("unexpected-key");
    const empty = checkRecord(instruction, { prompt: "Q", completion: "" });
    expect(!empty.ok && empty.issues[0]).toMatchObject({ category: "empty", message: "completion: completion is empty" });
  });

  it("messages: role order is first user, alternating, last assistant", () => {
    const rec = (roles: string[]) => ({ messages: roles.map((role, i) => ({ role, content: `m${i}` })) });
    expect(checkRecord(messages, rec(["user", "assistant", "user", "assistant"])).ok).toBe(true);
    const cases: [string[], string][] = [
      [["assistant", "user"], 'first message must be from "user"'],
      [["user", "user", "assistant"], "both \"user\""],
      [["user", "assistant", "user"], 'last message must be from "assistant"'],
    ];
    for (const [roles, msg] of cases) {
      const r = checkRecord(messages, rec(roles));
      expect(r.ok).toBe(false);
      expect(!r.ok && r.issues.map((i) => i.message).join("; ")).toContain(msg);
      expect(!r.ok && r.issues[0]!.category).toBe("role-order");
    }
    const sys = checkRecord(messages, { system: "be brief", ...rec(["user", "assistant"]), extra: 1 });
    expect(!sys.ok && sys.issues[0]!.category).toBe("unexpected-key");
  });

  it("conversation: bedrock-conversation-2024 shape round-trips through a draft and matches the committed schema", () => {
    const draft = { kind: "chat" as const, system: "You summarise.", turns: [{ role: "user" as const, content: "Hi" }, { role: "assistant" as const, content: "Hello" }], origin };
    const rec = conversation.fromDraft(draft);
    expect(rec).toEqual({
      schemaVersion: "bedrock-conversation-2024",
      system: [{ text: "You summarise." }],
      messages: [
        { role: "user", content: [{ text: "Hi" }] },
        { role: "assistant", content: [{ text: "Hello" }] },
      ],
    });
    expect(committedSchemaValidator("conversation")(rec)).toBe(true);
    expect(conversation.toDraft(rec as never)).toEqual({ kind: "chat", system: draft.system, turns: draft.turns });
    // The format takes any schemaVersion string (Nova does); which models refuse one is the profiles' business.
    expect(checkRecord(conversation, { ...(rec as object), schemaVersion: "v1" }).ok).toBe(true);
    expect(checkRecord(conversation, { ...(rec as object), schemaVersion: 2 }).ok).toBe(false);
    expect(committedSchemaValidator("conversation")({ ...(rec as object), messages: [{ role: "user", content: [{ text: "" }] }, { role: "assistant", content: [{ text: "b" }] }] })).toBe(false);
    const image = checkRecord(conversation, {
      schemaVersion: "bedrock-conversation-2024",
      messages: [
        { role: "user", content: [{ text: "What is this?" }, { image: { format: "png", source: { s3Location: { uri: "s3://b/cat.png" } } } }] },
        { role: "assistant", content: [{ image: { format: "png", source: { s3Location: { uri: "s3://b/dog.png" } } } }] },
      ],
    });
    expect(!image.ok && image.issues[0]!.message).toContain("assistant turn must not contain images");
  });

  it("the committed JSON Schemas reject what the zod schemas reject", () => {
    const v = committedSchemaValidator("messages");
    expect(v({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] })).toBe(true);
    expect(v({ messages: [{ role: "system", content: "a" }, { role: "assistant", content: "b" }] })).toBe(false);
    expect(v({ messages: [{ role: "user", content: [{ text: "a" }] }, { role: "assistant", content: "b" }] })).toBe(false);
    expect(committedSchemaValidator("cpt")({ input: "x" })).toBe(true);
    expect(committedSchemaValidator("cpt")({ text: "x" })).toBe(false);
    expect(committedSchemaValidator("text")({ text: "x" })).toBe(true);
  });

  it("unknown format names are a usage error listing the known ones", () => {
    expect(() => getFormat("llama-chat")).toThrow(/instruction, messages, conversation, cpt, text, .*openai-chat, .*alpaca, sharegpt/);
  });
});
