import { CONVERSATION_SCHEMA_VERSION, type ConversationRecord } from "../formats/conversation.js";
import { checkRecord, getFormat, type Format } from "../formats/index.js";
import { getProfile, taskFor, totalLimitAt, type Fact, type Profile, type Task } from "../profiles/index.js";
import { finding, PrepError, type DraftBody, type Finding, type Origin } from "../record.js";
import type { OpenAiChatRecord } from "../formats/openai-chat.js";
import type { OpenAiPreferenceRecord } from "../formats/openai-preference.js";
import { countSumUpTo, loadTokenCounter, type LineFigures, type TokenCounter } from "../tokens/index.js";
import type { ChatTemplate } from "../templates/chat-template.js";
import { countRendered, draftMessages } from "../templates/count.js";

export interface CheckerOptions {
  /** Model ID or alias; without one, only format rules are checked. */
  model?: string | Profile;
  /** Batch size the job will use (token limits depend on it); default: the model's default batch size. */
  batchSize?: number;
  /** Token counter override (default: the profile's). */
  tokenizer?: string;
  /** Load the tokenizer's vocabulary (default true); without it only plans, bounds and descriptions work. */
  vocabulary?: boolean;
  /**
   * A chat template (built-in name or file, see loadChatTemplate): each record is counted as the trainer sees it,
   * rendered with the template, its special tokens once each; the per-record total limit applies to that count.
   */
  chatTemplate?: string;
}

interface Limit {
  tokens: number;
  confirmed: boolean;
  what: "input" | "output" | "total";
}

/** The text a record's token limits apply to. */
export function recordTexts(format: Format<any>, record: unknown): { input: string; output: string } {
  return draftTexts(format.toDraft(record));
}

/** A draft's input (system + user turns) and output (assistant turns) texts, as the token limits count them. */
export function draftTexts(d: DraftBody): { input: string; output: string } {
  if (d.kind === "text") return { input: d.text, output: "" };
  const input: string[] = d.system !== undefined ? [d.system] : [];
  const output: string[] = [];
  for (const t of d.turns) (t.role === "assistant" ? output : input).push(t.content);
  return { input: input.join("\n"), output: output.join("\n") };
}

const severity = (f: { confirmed: boolean }) => (f.confirmed ? "error" : "warning");
const mark = (f: { confirmed: boolean }) => (f.confirmed ? "" : " (limit unconfirmed)");

/**
 * The per-record rules for a model: schema, role order, reserved strings, per-record token limits. The same object
 * checks what `validate` reads and what every prep command writes with `--model`.
 */
export class RecordChecker {
  readonly profile?: Profile;
  readonly counter: TokenCounter;
  readonly batchSize: number;
  /** See CheckerOptions.chatTemplate. */
  template?: ChatTemplate;
  private limitsByFormat = new Map<string, { task?: Task; limits: Limit[] }>();

  /** A checker with its token counter loaded. */
  static async create(opts: CheckerOptions = {}): Promise<RecordChecker> {
    const profile = typeof opts.model === "string" ? getProfile(opts.model) : opts.model;
    const counter = await loadTokenCounter(opts.tokenizer ?? profile?.tokenizer ?? "cl100k", { vocabulary: opts.vocabulary ?? true });
    const checker = new RecordChecker({ ...opts, model: profile }, counter);
    if (opts.chatTemplate) checker.template = (await import("../templates/chat-template.js")).loadChatTemplate(opts.chatTemplate);
    return checker;
  }

  private constructor(opts: CheckerOptions, counter: TokenCounter) {
    this.profile = opts.model as Profile | undefined;
    this.counter = counter;
    this.batchSize = opts.batchSize ?? this.profile?.hyperparameters.value.batchSize?.default ?? 1;
    const bs = this.profile?.hyperparameters.value.batchSize;
    if (bs && (this.batchSize < bs.min || this.batchSize > bs.max)) {
      throw new PrepError(`--batch-size ${this.batchSize} is outside ${this.profile!.id}'s range ${bs.min}-${bs.max}`, 2);
    }
  }

  /** The formats the rules take (a target's, a model's), most likely first; undefined without rules. */
  get formats(): string[] | undefined {
    return this.profile ? Object.values(this.profile.tasks).flatMap((r) => r!.formats.value) : undefined;
  }

  /** The task and token limits for records of a format, or a finding when the model doesn't take that format. */
  plan(formatName: string): { task?: Task; limits: Limit[] } | Finding {
    const cached = this.limitsByFormat.get(formatName);
    if (cached) return cached;
    if (!this.profile) return { limits: [] };
    const task = taskFor(this.profile, formatName);
    if (!task) {
      const accepted = Object.entries(this.profile.tasks)
        .map(([t, r]) => `${r!.formats.value.join("/")} (${t})`)
        .join(", ");
      return finding("format", `${this.profile.id} does not take ${formatName} records; it takes ${accepted}`, { source: "" });
    }
    const rules = this.profile.tasks[task]!;
    const limits: Limit[] = [];
    if (rules.tokens.input) limits.push({ tokens: rules.tokens.input.value, confirmed: rules.tokens.input.confirmed, what: "input" });
    if (rules.tokens.output) limits.push({ tokens: rules.tokens.output.value, confirmed: rules.tokens.output.confirmed, what: "output" });
    const total = totalLimitAt(this.profile, task, this.batchSize);
    if (total) limits.push({ ...total, what: "total" });
    const plan = { task, limits };
    this.limitsByFormat.set(formatName, plan);
    return plan;
  }

  /**
   * A record's tokens as statistics count them: input + output, or with a chat template the rendered record (its
   * special tokens once each). A record the template refuses (e.g. roles that do not alternate) throws a PrepError.
   */
  recordTokens(format: Format<any>, record: unknown): number {
    if (this.template) {
      // `check` renders the record for the total limit and `validate --stats` then asks for its tokens: the record
      // `check` was given (or its parse) is counted once, not rendered again.
      const last = this.lastRendered;
      if (last && last.format === format && (last.record === record || last.value === record)) return last.tokens;
      const tokens = countRendered(this.counter, this.template, this.template.render(draftMessages(format.toDraft(record))));
      const c = this.checking;
      this.lastRendered = { format, record, value: c && c.record === record ? c.value : undefined, tokens };
      return tokens;
    }
    const { input, output } = recordTexts(format, record);
    return this.counter.count(input) + (output ? this.counter.count(output) : 0);
  }

  /** The last record rendered with the chat template, its value as `check` was given it, and its tokens. */
  private lastRendered?: { format: Format<any>; record: unknown; value: unknown; tokens: number };
  /** The record `check` is checking: the value it was given and its parse. */
  private checking?: { value: unknown; record: unknown };

  /** Findings for one record (already parsed). Schema errors stop further checks on that record. */
  check(value: unknown, formatName: string, origin: Origin, line?: LineFigures): Finding[] {
    const checked = checkRecord(getFormat(formatName), value);
    if (!checked.ok) return checked.issues.map((i) => finding(i.category, i.message, origin));
    this.checking = { value, record: checked.record };
    try {
      return this.modelFindings(checked.record, formatName, origin, line);
    } finally {
      this.checking = undefined;
    }
  }

  /**
   * The model's rules alone, for a record that already passed its format (as every prep command's records have).
   * With the figures of the JSONL line it was read from, token limits the line cannot reach are not counted.
   */
  modelFindings(record: unknown, formatName: string, origin: Origin, line?: LineFigures): Finding[] {
    const format = getFormat(formatName);
    const out: Finding[] = [];
    const reserved = this.profile?.reserved;
    if (reserved) out.push(...this.reservedFindings(format, record, reserved, origin));
    if (formatName === "conversation") out.push(...this.conversationFindings(record as ConversationRecord, origin));
    if ((formatName === "openai-chat" || formatName === "openai-preference") && this.profile?.openaiChat) out.push(...this.openaiChatFindings(record as OpenAiChatRecord | OpenAiPreferenceRecord, origin));
    const plan = this.plan(formatName);
    if ("type" in plan) return [...out, { ...plan, origin }];
    if (this.template) out.push(...this.templateFindings(format, record, plan.limits, origin));
    else if (plan.limits.length && !(line && plan.limits.every((l) => this.counter.lineBound(line) <= l.tokens))) {
      out.push(...this.tokenFindings(format, record, plan.limits, origin));
    }
    return out;
  }

  /** schemaVersion, system blocks and media by model family (without a model: warnings about what some refuse). */
  private conversationFindings(r: ConversationRecord, origin: Origin): Finding[] {
    const out: Finding[] = [];
    const rules = this.profile?.conversation;
    const id = this.profile?.id;
    if (r.schemaVersion === undefined) {
      if (!rules) out.push(finding("schema-version", `missing key schemaVersion (Llama 3.2/3.3 records carry "${CONVERSATION_SCHEMA_VERSION}"; Nova accepts records without it)`, origin, "warning"));
      else if (rules.missingSchemaVersion.value === "warn") out.push(finding("schema-version", `missing key schemaVersion: the docs' format for ${id} has "${CONVERSATION_SCHEMA_VERSION}" (the AWS validator accepts records without it)`, origin, "warning"));
    } else if (r.schemaVersion !== CONVERSATION_SCHEMA_VERSION) {
      if (!rules) out.push(finding("schema-version", `schemaVersion is ${JSON.stringify(r.schemaVersion)}: Llama 3.2/3.3 take only "${CONVERSATION_SCHEMA_VERSION}" (Nova takes any string)`, origin, "warning"));
      else if (rules.schemaVersion.value === "exact") out.push(finding("schema-version", `schemaVersion must be "${CONVERSATION_SCHEMA_VERSION}" for ${id}, found ${JSON.stringify(r.schemaVersion)}`, origin, severity(rules.schemaVersion)));
    }
    const maxSystem = rules?.maxSystemBlocks;
    if (maxSystem && (r.system?.length ?? 0) > maxSystem.value) {
      out.push(finding("system", `system has ${r.system!.length} blocks; ${id} takes at most ${maxSystem.value}`, origin, severity(maxSystem)));
    }
    if (rules?.media && !rules.media.value) {
      r.messages.forEach((m, i) => {
        const j = m.content.findIndex((b) => "image" in b || "video" in b || "document" in b);
        if (j !== -1) out.push(finding("content", `messages[${i}].content[${j}] is ${"image" in m.content[j]! ? "an image" : "video" in m.content[j]! ? "a video" : "a document"}; ${id} is text only (no image, video or document blocks)`, origin, severity(rules.media!)));
      });
    }
    if (!this.profile) return out;
    // Blocks only some models take: reasoning and documents (Nova 2), tools (Nova 2, with a warning).
    let images = 0;
    let tools = r.toolConfig !== undefined;
    r.messages.forEach((m, i) =>
      m.content.forEach((b, j) => {
        const at = `messages[${i}].content[${j}]`;
        if ("reasoningContent" in b && !rules?.reasoning?.value) out.push(finding("content", `${at} is reasoningContent; ${id} does not take reasoning blocks (Nova 2 Lite does)`, origin));
        if ("document" in b && !rules?.documents?.value) out.push(finding("content", `${at} is a document; ${id} does not take document blocks (Nova 2 Lite does)`, origin));
        if ("toolUse" in b || "toolResult" in b) tools = true;
        if ("image" in b) {
          images++;
          const f = rules?.imageFormats;
          if (f && !f.value.includes(b.image.format)) out.push(finding("content", `${at} is a ${b.image.format} image; ${id} takes ${f.value.join(", ")}`, origin, severity(f)));
        }
        if ("video" in b) {
          const f = rules?.videoFormats;
          if (f && !f.value.includes(b.video.format)) out.push(finding("content", `${at} is a ${b.video.format} video; ${id} takes ${f.value.join(", ")}`, origin, severity(f)));
        }
      }),
    );
    const maxImages = rules?.maxImages;
    if (maxImages && images > maxImages.value) out.push(finding("content", `${images} images; ${id} takes at most ${maxImages.value} per record`, origin, severity(maxImages)));
    if (tools) {
      if (rules?.toolsWarning) out.push(finding("tools", `toolConfig/toolUse/toolResult: ${rules.toolsWarning.value} [${rules.toolsWarning.source}]`, origin, "warning"));
      else out.push(finding("tools", `${id} does not take tool definitions or tool blocks in its training records`, origin));
    }
    return out;
  }

  /** A target's rules for OpenAI-shaped records: the roles, tools and weights it takes, and turn order. */
  private openaiChatFindings(r: OpenAiChatRecord | OpenAiPreferenceRecord, origin: Origin): Finding[] {
    const rules = this.profile!.openaiChat!;
    const id = this.profile!.id;
    const out: Finding[] = [];
    const where = "input" in r ? "input.messages" : "messages";
    const messages = "input" in r ? [...r.input.messages, ...r.preferred_output] : r.messages;
    const tools = "input" in r ? r.input.tools : r.tools;
    messages.forEach((m, i) => {
      const at = "input" in r && i >= r.input.messages.length ? "preferred_output[0]" : `${where}[${i}]`;
      if (!rules.roles.value.includes(m.role)) out.push(finding("role", `${at}.role is "${m.role}"; ${id} takes ${rules.roles.value.join(", ")} [${rules.roles.source}]`, origin, severity(rules.roles)));
      if (m.weight !== undefined && !rules.weight?.value) out.push(finding("schema", `${at}.weight: ${id} does not document per-message weights (OpenAI's weight key)`, origin, "warning"));
      if ((m.tool_calls || (m.role === "tool" && rules.roles.value.includes("tool"))) && !rules.tools?.value) out.push(finding("tools", `${at}: ${id} does not take tool calls or tool results in its training records`, origin));
    });
    if (tools && !rules.tools?.value) out.push(finding("tools", `tools: ${id} does not take tool definitions in its training records`, origin));
    if (rules.alternate?.value) {
      const list = "input" in r ? r.input.messages : messages;
      const skip = list[0]?.role === "system" ? 1 : 0;
      // A preference record's input ends with the user's turn; a chat record ends with the assistant's.
      const bad = list.findIndex((m, i) => i >= skip && m.role !== ((i - skip) % 2 === 0 ? "user" : "assistant"));
      if (bad !== -1) out.push(finding("role-order", `${where}[${bad}] is "${list[bad]!.role}"; ${id} takes an optional system message, then user and assistant alternating from the user's [${rules.alternate.source}]`, origin, severity(rules.alternate)));
    }
    return out;
  }

  private reservedFindings(format: Format<any>, record: unknown, reserved: Fact<string[]>, origin: Origin): Finding[] {
    const d = format.toDraft(record);
    const texts = d.kind === "text" ? [["text", d.text]] : [...(d.system !== undefined ? [["system", d.system]] : []), ...d.turns.map((t, i) => [`messages[${i}]`, t.content])];
    const out: Finding[] = [];
    for (const [where, text] of texts) {
      for (const r of reserved.value) {
        if (text!.includes(r)) out.push(finding("reserved-string", `${where} contains the reserved string ${JSON.stringify(r)}${mark(reserved)}`, origin, severity(reserved)));
      }
    }
    return out;
  }

  /** With a chat template: the rendered record against the total limit (the template's refusal is a finding too). */
  private templateFindings(format: Format<any>, record: unknown, limits: Limit[], origin: Origin): Finding[] {
    let n: number;
    try {
      n = this.recordTokens(format, record);
    } catch (e) {
      return [finding("chat-template", (e as Error).message, origin)];
    }
    const total = limits.find((l) => l.what === "total");
    if (!total || n <= total.tokens) return [];
    const label = this.counter.exact ? this.counter.name : "estimated";
    return [finding("token-limit", `total has ${n.toLocaleString("en-US")} tokens (${label}, rendered with the ${this.template!.name} chat template), over ${this.profile!.id}'s limit of ${total.tokens.toLocaleString("en-US")}${mark(total)}`, origin, severity(total))];
  }

  private tokenFindings(format: Format<any>, record: unknown, limits: Limit[], origin: Origin): Finding[] {
    const { input, output } = recordTexts(format, record);
    const out: Finding[] = [];
    const label = this.counter.exact ? this.counter.name : "estimated";
    const count = (what: Limit["what"], limit: number): number =>
      countSumUpTo(this.counter, what === "total" ? [input, output] : [what === "input" ? input : output], limit).tokens;
    for (const l of limits) {
      const n = count(l.what, l.tokens);
      if (n > l.tokens) {
        out.push(
          finding(
            "token-limit",
            `${l.what} has ${n.toLocaleString("en-US")} tokens (${label}), over ${this.profile!.id}'s limit of ${l.tokens.toLocaleString("en-US")}${l.what === "total" ? ` at batch size ${this.batchSize}` : ""}${mark(l)}`,
            origin,
            severity(l),
          ),
        );
      }
    }
    return out;
  }
}
