// A stand-in teacher model on 127.0.0.1 for the tests and the benchmark. It speaks Bedrock's Converse
// (`POST /model/{modelId}/converse`, errors as `x-amzn-ErrorType`) and OpenAI chat completions
// (`POST /v1/chat/completions`). Replies are derived from the prompt, so a run is deterministic: for a prompt asking
// for N pairs (the text "N new question" or a line "pairs: N") about a document (the text after "Document:"), it
// answers N JSON lines {"question", "answer", "topic"} quoting the document's words.
//
// It also acts as a judge and as the models under evaluation, by rules a test can predict:
// - a rubric prompt ("Score the pair on three criteria"): "question" 2 when the question leans on the document ("the
//   document", "the passage", "above"), else 5; "grounded" and "correct" from the share of the answer's words (4+
//   letters) found in the document (≥ 0.8: 5, ≥ 0.5: 3, else 1); a reason naming the lowest;
// - a repair prompt ("Write a corrected pair"): one pair quoting the document, with a self-contained question;
// - a pairwise prompt ("[The Start of Assistant A's Answer]"): the answer sharing more words with the question wins
//   ([[A]] or [[B]]), equal shares are a tie ([[C]]);
// - an evaluated model (named `student-*`, or given a role in `roles`): a tuned one answers with the first sentence
//   of the prompt's longest paragraph, a base one with "I am not sure." and the prompt's last word.
import { createHash } from "node:crypto";
import { createServer } from "node:http";

/**
 * @typedef {{ kind: "429" | "503" | "malformed" | "short" | "dropped" | "prose" | "fenced" | "duplicate" | "401" | "400" | "bad-utf8" | "surrogate" | "html" | "number" | "null" | "nested" | "long" | "slow-body" | "stall" | "cut" | "dependent" | "ungrounded" | "judge-string" | "judge-float" | "judge-prose", retryAfter?: number, byteEveryMs?: number }} Fault
 * @param {{ latencyMs?: number, faults?: (n: number, prompt: string) => Fault | undefined, reply?: (prompt: string) => string | undefined, roles?: Record<string, "tuned" | "base"> }} [opts]
 */
export async function startTeacherServer(opts = {}) {
  const seen = [];
  let inflight = 0;
  let maxInflight = 0;
  let n = 0;

  /** The N pairs for a prompt. */
  function pairs(prompt, count) {
    const doc = (/Document:\s*([\s\S]*?)(?:\n\n|$)/.exec(prompt)?.[1] ?? prompt).trim();
    const words = doc.split(/\s+/).filter(Boolean);
    const h = createHash("sha1").update(doc).digest("hex").slice(0, 8);
    return Array.from({ length: count }, (_, i) => ({
      question: `What is said about ${words[i % Math.max(1, words.length)] ?? "it"} (${h}-${i})?`,
      answer: `It says: ${words.slice(i, i + 6).join(" ")}.`,
      topic: `topic ${i + 1}`,
    }));
  }

  const words = (t) => (t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

  function judgeReply(prompt, fault) {
    const doc = /Document:\n([\s\S]*?)\n\nQuestion: /.exec(prompt)?.[1] ?? "";
    const question = /\nQuestion: (.*)\n/.exec(prompt)?.[1] ?? "";
    const answer = /\nAnswer: (.*)\n/.exec(prompt)?.[1] ?? "";
    const docWords = new Set(words(doc));
    const aw = words(answer).filter((w) => w.length >= 4);
    const share = aw.length ? aw.filter((w) => docWords.has(w)).length / aw.length : 0;
    const g = share >= 0.8 ? 5 : share >= 0.5 ? 3 : 1;
    const q = /\b(the (document|passage|text)|above)\b/i.test(question) ? 2 : 5;
    if (fault?.kind === "judge-string") return `{"question": "${q}", "grounded": ${g}, "correct": ${g}, "reason": "scores as text"}`;
    if (fault?.kind === "judge-float") return `{"question": ${q}.5, "grounded": ${g}, "correct": ${g}, "reason": "a half score"}`;
    if (fault?.kind === "judge-prose") return "The pair looks good to me, I would give it a high score.";
    const reason = q < g ? "the question refers to the document instead of standing alone" : g < 5 ? `only ${Math.round(share * 100)} % of the answer's words are in the document` : "the question stands alone and the answer quotes the document";
    const v = JSON.stringify({ question: q, grounded: g, correct: g, reason });
    return fault?.kind === "fenced" ? "Here is my verdict:\n```json\n" + v + "\n```" : v;
  }

  function pairwiseReply(prompt) {
    const question = /\[User Question\]\n([\s\S]*?)\n\n\[The Start of Assistant A's Answer\]/.exec(prompt)?.[1] ?? "";
    const a = /\[The Start of Assistant A's Answer\]\n([\s\S]*?)\n\[The End of Assistant A's Answer\]/.exec(prompt)?.[1] ?? "";
    const b = /\[The Start of Assistant B's Answer\]\n([\s\S]*?)\n\[The End of Assistant B's Answer\]/.exec(prompt)?.[1] ?? "";
    const qw = new Set(words(question));
    const score = (t) => words(t).filter((w) => qw.has(w)).length;
    const sa = score(a);
    const sb = score(b);
    return `Comparing the two answers on helpfulness and accuracy. ${sa > sb ? "[[A]]" : sb > sa ? "[[B]]" : "[[C]]"}`;
  }

  /** The role of an evaluated model: `opts.roles[model]`, else by its name (student-tuned*, student-*). */
  const roleOf = (model) => opts.roles?.[model] ?? (/^student-tuned/.test(model) ? "tuned" : /^student-/.test(model) ? "base" : undefined);

  function modelReply(model, prompt) {
    const tail = prompt.split(/\n\s*\n/).reduce((a, b) => (b.trim().length > a.trim().length ? b : a), "");
    if (roleOf(model) === "tuned") return (/^[^.!?]*[.!?]?/.exec(tail.trim())?.[0] ?? tail).trim();
    return `I am not sure. ${words(prompt).pop() ?? ""}`;
  }

  function replyText(prompt, fault, model = "") {
    // A test's own replies (a judge's score, say), where it gives one for this prompt.
    const custom = opts.reply?.(prompt);
    if (custom !== undefined) return custom;
    if (roleOf(model)) return modelReply(model, prompt);
    if (prompt.includes("Score the pair on three criteria")) return judgeReply(prompt, fault);
    if (prompt.includes("[The Start of Assistant A's Answer]")) return pairwiseReply(prompt);
    if (prompt.includes("Write a corrected pair")) {
      const doc = /Document:\n([\s\S]*?)\n\nQuestion: /.exec(prompt)?.[1] ?? "";
      const w = doc.split(/\s+/).filter(Boolean);
      return JSON.stringify({ question: `What is said about ${w[0] ?? "it"} (repaired)?`, answer: `${w.slice(0, 8).join(" ")}.` });
    }
    const m = /(\d+) new question/.exec(prompt) ?? /pairs:\s*(\d+)/.exec(prompt);
    const count = m ? Number(m[1]) : 3;
    let list = pairs(prompt, count);
    if (fault?.kind === "short") list = list.slice(0, Math.max(0, count - 1));
    if (fault?.kind === "duplicate" && list.length > 1) list[1] = { ...list[1], question: list[0].question };
    // Pairs a judge should catch: a question that leans on the document, an answer from outside it.
    if (fault?.kind === "dependent" && list.length) list[0] = { ...list[0], question: `What does the passage above say about ${list[0].topic}?` };
    if (fault?.kind === "ungrounded" && list.length) list[list.length - 1] = { ...list[list.length - 1], answer: "Mostly cheese, according to lunar geologists and several famous astronomers." };
    if (fault?.kind === "malformed") return "Sure! Here are some questions: question one, answer one… (no JSON at all)";
    const lines = list.map((p) => JSON.stringify(p)).join("\n");
    if (fault?.kind === "prose") return `Here are the pairs you asked for:\n\n${JSON.stringify(list, null, 2)}\n\nI hope these help.`;
    if (fault?.kind === "fenced") return "```json\n" + lines + "\n```";
    return lines;
  }

  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      const k = n++;
      let parsed;
      try {
        parsed = JSON.parse(body || "{}");
      } catch {
        parsed = {};
      }
      const url = req.url ?? "/";
      const converse = /^\/model\/([^/]+)\/converse$/.exec(url);
      const chat = url === "/v1/chat/completions";
      const prompt = converse
        ? (parsed.messages ?? []).map((m) => (m.content ?? []).map((c) => c.text ?? "").join("")).join("\n")
        : (parsed.messages ?? []).filter((m) => m.role === "user").map((m) => m.content).join("\n");
      const system = converse ? (parsed.system ?? []).map((s) => s.text).join("\n") : (parsed.messages ?? []).find((m) => m.role === "system")?.content;
      const fault = opts.faults?.(k, prompt);
      seen.push({ n: k, t: Date.now(), path: url, model: converse ? decodeURIComponent(converse[1]) : parsed.model, prompt, system, body: parsed, auth: req.headers.authorization, fault: fault?.kind });
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      try {
        if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
        if (fault?.kind === "dropped") return req.socket.destroy();
        const error = (status, type, message, headers = {}) => {
          res.writeHead(status, { "Content-Type": "application/json", ...(converse ? { "x-amzn-ErrorType": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` } : {}), ...headers });
          res.end(JSON.stringify(converse ? { message } : { error: { message, type, code: status } }));
        };
        if (fault?.kind === "429") return error(429, "ThrottlingException", "Too many requests, please wait before trying again.", { "Retry-After": String(fault.retryAfter ?? 0) });
        if (fault?.kind === "503") return error(503, "ServiceUnavailableException", "Service unavailable");
        if (fault?.kind === "401") return error(converse ? 403 : 401, converse ? "UnrecognizedClientException" : "invalid_api_key", "The security token included in the request is invalid.");
        if (fault?.kind === "400") return error(400, "ValidationException", "Input is too long for requested model.");
        if (!converse && !chat) return error(404, "ResourceNotFoundException", `no route ${url}`);
        if (fault?.kind === "html") {
          res.writeHead(200, { "Content-Type": "text/html" });
          return res.end("<html><body><h1>Gateway</h1><p>Please log in.</p></body></html>");
        }
        if ((fault?.kind === "number" || fault?.kind === "null") && chat) {
          res.writeHead(200, { "Content-Type": "application/json" });
          return res.end(JSON.stringify({ id: `chatcmpl-${k}`, object: "chat.completion", created: 1700000000, model: parsed.model, choices: [{ index: 0, message: { role: "assistant", content: fault.kind === "number" ? 12345 : null }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
        }
        if (fault?.kind === "bad-utf8") {
          // Valid JSON around bytes that are not UTF-8 (0xFF inside the reply's content).
          const good = replyText(prompt, undefined);
          const body = converse
            ? JSON.stringify({ output: { message: { role: "assistant", content: [{ text: "MARK" + good }] } }, stopReason: "end_turn", usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 0 } })
            : JSON.stringify({ id: `chatcmpl-${k}`, object: "chat.completion", created: 1700000000, model: parsed.model, choices: [{ index: 0, message: { role: "assistant", content: "MARK" + good }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
          const [a, b] = body.split("MARK");
          res.writeHead(200, { "Content-Type": "application/json" });
          return res.end(Buffer.concat([Buffer.from(a), Buffer.from([0xff, 0xfe]), Buffer.from(b)]));
        }
        const text =
          fault?.kind === "surrogate"
            ? "\ud800" + replyText(prompt, undefined)
            : fault?.kind === "nested"
              ? "[".repeat(10_000) + "]".repeat(10_000)
              : fault?.kind === "long"
                ? replyText(prompt.replace(/(\d+) new question/, "10000 new question"), undefined)
                : replyText(prompt, fault, converse ? decodeURIComponent(converse[1]) : parsed.model);
        const usage = { input: Math.ceil(prompt.length / 4), output: Math.ceil(text.length / 4) };
        const payload = converse
          ? JSON.stringify({ output: { message: { role: "assistant", content: [{ text }] } }, stopReason: "end_turn", usage: { inputTokens: usage.input, outputTokens: usage.output, totalTokens: usage.input + usage.output }, metrics: { latencyMs: opts.latencyMs ?? 0 } })
          : JSON.stringify({ id: `chatcmpl-${k}`, object: "chat.completion", created: 1700000000, model: parsed.model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } });
        // Body faults: headers at once, then the body one byte at a time (slow-body), never (stall), or half of it
        // and the connection cut (cut).
        if (fault?.kind === "slow-body" || fault?.kind === "stall" || fault?.kind === "cut") {
          res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(payload)) });
          res.flushHeaders();
          if (fault.kind === "cut") {
            res.write(payload.slice(0, payload.length >> 1));
            return setTimeout(() => req.socket.destroy(), 20);
          }
          if (fault.kind === "stall") return;
          let i = 0;
          const tick = setInterval(() => {
            if (res.destroyed || i >= payload.length) return clearInterval(tick);
            res.write(payload[i++]);
          }, fault.byteEveryMs ?? 200);
          res.on("close", () => clearInterval(tick));
          return;
        }
        res.writeHead(200, { "Content-Type": "application/json" });
        if (converse) {
          res.end(JSON.stringify({ output: { message: { role: "assistant", content: [{ text }] } }, stopReason: "end_turn", usage: { inputTokens: usage.input, outputTokens: usage.output, totalTokens: usage.input + usage.output }, metrics: { latencyMs: opts.latencyMs ?? 0 } }));
        } else {
          res.end(JSON.stringify({ id: `chatcmpl-${k}`, object: "chat.completion", created: 1700000000, model: parsed.model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } }));
        }
      } finally {
        inflight--;
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${addr.port}`,
    seen,
    maxInflight: () => maxInflight,
    replyText,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r(undefined));
      }),
  };
}
