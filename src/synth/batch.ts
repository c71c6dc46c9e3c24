import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { PrepError } from "../record.js";
import { lineBatches } from "../sources/lines.js";
import { openBytes } from "../sources/open.js";
import type { TeacherReply, TeacherRequest } from "./teacher.js";

/**
 * A Bedrock batch-inference input line for one request: `{"recordId", "modelInput"}`, the model input being the
 * InvokeModel body the model family takes (Anthropic Messages for `anthropic.*`, else a Converse-shaped body).
 */
export function batchRecord(modelId: string, req: TeacherRequest, recordId: string): { recordId: string; modelInput: unknown } {
  if (/^(?:[a-z]{2}\.)?anthropic\./.test(modelId)) {
    return {
      recordId,
      modelInput: {
        anthropic_version: "bedrock-2023-05-31",
        max_tokens: req.maxOutputTokens ?? 4096,
        ...(req.system ? { system: req.system } : {}),
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        messages: [{ role: "user", content: [{ type: "text", text: req.prompt }] }],
      },
    };
  }
  return {
    recordId,
    modelInput: {
      messages: [{ role: "user", content: [{ text: req.prompt }] }],
      ...(req.system ? { system: [{ text: req.system }] } : {}),
      inferenceConfig: { ...(req.maxOutputTokens ? { maxTokens: req.maxOutputTokens } : {}), ...(req.temperature !== undefined ? { temperature: req.temperature } : {}) },
    },
  };
}

/** The reply text of a batch output line's `modelOutput`, whatever the model family wrote. */
function outputText(o: Record<string, unknown>): TeacherReply {
  const anthropic = o.content as { type?: string; text?: string }[] | undefined;
  const converse = (o.output as { message?: { content?: { text?: string }[] } } | undefined)?.message?.content;
  const choices = o.choices as { message?: { content?: string } }[] | undefined;
  const text = Array.isArray(anthropic)
    ? anthropic.map((c) => c.text ?? "").join("")
    : Array.isArray(converse)
      ? converse.map((c) => c.text ?? "").join("")
      : Array.isArray(choices)
        ? (choices[0]?.message?.content ?? "")
        : typeof o.generation === "string"
          ? o.generation
          : "";
  const u = (o.usage ?? {}) as Record<string, number>;
  return { text, inputTokens: u.input_tokens ?? u.inputTokens ?? u.prompt_tokens ?? 0, outputTokens: u.output_tokens ?? u.outputTokens ?? u.completion_tokens ?? 0 };
}

/**
 * A finished batch job's output (`*.jsonl.out` files in a folder, or one file), joined on recordId (the output order
 * is not guaranteed). A line with `error` instead of `modelOutput` is that record's failure.
 */
export async function readBatchOutput(path: string): Promise<Map<string, TeacherReply | { error: string }>> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new PrepError(`--batch-output ${path}: no such file or folder`, 2);
  const files = s.isDirectory() ? (await readdir(path, { recursive: true })).filter((f) => /\.out$|\.jsonl$/.test(f)).map((f) => join(path, f)).sort() : [path];
  if (!files.length) throw new PrepError(`--batch-output ${path}: no .jsonl.out files in the folder`, 2);
  const out = new Map<string, TeacherReply | { error: string }>();
  for (const f of files) {
    for await (const batch of lineBatches(await openBytes(f))) {
      for (const line of batch) {
        if (!line.text.trim()) continue;
        let v: { recordId?: string; modelOutput?: Record<string, unknown>; error?: { errorCode?: number | string; errorMessage?: string } };
        try {
          v = JSON.parse(line.text);
        } catch {
          throw new PrepError(`${f}:${line.n}: not a JSON line of a batch-inference output`);
        }
        if (!v.recordId) continue;
        if (v.error) out.set(v.recordId, { error: `${v.error.errorCode ?? ""} ${v.error.errorMessage ?? ""}`.trim() });
        else if (v.modelOutput) out.set(v.recordId, outputText(v.modelOutput));
      }
    }
  }
  return out;
}
