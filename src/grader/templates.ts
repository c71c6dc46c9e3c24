/**
 * Starting points for a reinforcement fine-tuning grader: a Lambda handler (Node, ES module) that takes the batch of
 * samples Bedrock sends and returns one `{id, aggregate_reward_score, metrics_list}` per sample, as the reward-function
 * pages give them (https://docs.aws.amazon.com/bedrock/latest/userguide/reward-functions.html). The pages disagree on
 * where the reference answer is: top-level `reference_answer` (Nova 2 guide, nova-implementing-reward-functions) or
 * `metadata.reference_answer` with the record's other fields (Bedrock's page): the templates read both.
 */

export const GRADER_KINDS = ["exact", "numeric", "json-fields", "judge"] as const;
export type GraderKind = (typeof GRADER_KINDS)[number];

const COMMON = `// The batch Bedrock sends: a list of samples, each the training record's messages with the model's answer appended
// as the last (assistant) message, an id, and the record's reference answer.
export const handler = async (event) => {
  const samples = Array.isArray(event) ? event : [event];
  const out = [];
  for (const sample of samples) {
    try {
      out.push(await gradeSample(sample));
    } catch (e) {
      // A sample this grader cannot read scores 0 (and says why in the logs) rather than failing the whole batch.
      console.error(\`sample \${sample?.id}: \${e?.message ?? e}\`);
      out.push({ id: String(sample?.id ?? ""), aggregate_reward_score: 0 });
    }
  }
  return out;
};

/** The reference answer: top-level (Nova 2 guide) or under metadata (Bedrock's reward-functions page). */
export function referenceOf(sample) {
  return sample.reference_answer !== undefined ? sample.reference_answer : sample.metadata?.reference_answer;
}

/** The model's answer: the last message, the assistant's. */
export function answerOf(sample) {
  const last = sample.messages?.[sample.messages.length - 1];
  if (!last || last.role !== "assistant") throw new Error("the last message is not the model's answer");
  return typeof last.content === "string" ? last.content : (last.content ?? []).map((c) => c.text ?? "").join("");
}

/** A reference answer as text: a string, or an object's "answer" / "solution" field, else its JSON. */
export function referenceText(ref) {
  if (typeof ref === "string") return ref;
  if (typeof ref === "number") return String(ref);
  for (const k of ["answer", "solution", "explanation"]) if (ref && typeof ref[k] !== "object" && ref[k] !== undefined) return String(ref[k]);
  return JSON.stringify(ref);
}
`;

const EXACT = `// prep-data grader: exact match. 1 when the answer equals the reference (case, surrounding space and runs of
// whitespace ignored), else 0.
${COMMON}
const norm = (s) => s.trim().toLowerCase().replace(/\\s+/g, " ");

async function gradeSample(sample) {
  const ref = referenceText(referenceOf(sample));
  const score = norm(answerOf(sample)) === norm(ref) ? 1 : 0;
  return { id: String(sample.id), aggregate_reward_score: score, metrics_list: [{ name: "exact_match", value: score, type: "Reward" }] };
}
`;

const NUMERIC = `// prep-data grader: numeric answer. 1 when the last number in the answer equals the reference number (within a
// relative tolerance), else 0; a second metric says whether the answer held a number at all.
${COMMON}
const TOLERANCE = 1e-6;
const NUMBER = /-?\\d[\\d,]*(?:\\.\\d+)?(?:[eE][-+]?\\d+)?/g;

function lastNumber(text) {
  const all = String(text).match(NUMBER);
  return all ? Number(all[all.length - 1].replace(/,/g, "")) : undefined;
}

async function gradeSample(sample) {
  const ref = lastNumber(referenceText(referenceOf(sample)));
  if (ref === undefined) throw new Error("the reference answer holds no number");
  const got = lastNumber(answerOf(sample));
  const right = got !== undefined && Math.abs(got - ref) <= TOLERANCE * Math.max(1, Math.abs(ref));
  return {
    id: String(sample.id),
    aggregate_reward_score: right ? 1 : 0,
    metrics_list: [
      { name: "correct", value: right ? 1 : 0, type: "Reward" },
      { name: "has_number", value: got === undefined ? 0 : 1, type: "Metric" },
    ],
  };
}
`;

const JSON_FIELDS = `// prep-data grader: JSON fields. The answer's first JSON object is compared with the reference object field by
// field; the score is the share of the reference's fields the answer gets right (0 when no JSON object is found).
${COMMON}
function firstObject(text) {
  const start = text.indexOf("{");
  if (start === -1) return undefined;
  // The shortest balanced {...} from the first brace that parses.
  for (let end = text.indexOf("}", start); end !== -1; end = text.indexOf("}", end + 1)) {
    try {
      const v = JSON.parse(text.slice(start, end + 1));
      if (v && typeof v === "object" && !Array.isArray(v)) return v;
    } catch {}
  }
  return undefined;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b) || (typeof a === "string" && typeof b === "string" && a.trim().toLowerCase() === b.trim().toLowerCase());

async function gradeSample(sample) {
  const ref = referenceOf(sample);
  if (!ref || typeof ref !== "object" || Array.isArray(ref)) throw new Error("the reference answer is not a JSON object");
  const got = firstObject(answerOf(sample));
  const fields = Object.keys(ref);
  const metrics = fields.map((k) => ({ name: k, value: got && same(got[k], ref[k]) ? 1 : 0, type: "Metric" }));
  const score = got && fields.length ? metrics.reduce((s, m) => s + m.value, 0) / fields.length : 0;
  return { id: String(sample.id), aggregate_reward_score: score, metrics_list: [{ name: "fields_right", value: score, type: "Reward" }, { name: "valid_json", value: got ? 1 : 0, type: "Metric" }, ...metrics] };
}
`;

const JUDGE = `// prep-data grader: a model as judge. A Bedrock model (JUDGE_MODEL_ID, default Nova 2 Lite) scores the answer
// against the reference on the rubric below, 0-10; the reward is the score / 10. Keep it fast: Bedrock calls this
// function for every answer of every step (the Lambda needs bedrock:InvokeModel on the judge model).
${COMMON}
import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";

// HTTP/1.1 (the client's default for Bedrock Runtime is HTTP/2, which Converse does not need): the same in Lambda
// and against a local stand-in (AWS_ENDPOINT_URL_BEDROCK_RUNTIME) when "prep-data grader test" runs it.
const client = new BedrockRuntimeClient({ requestHandler: new NodeHttpHandler({ requestTimeout: 30_000 }) });
const MODEL = process.env.JUDGE_MODEL_ID ?? "us.amazon.nova-2-lite-v1:0";
const RUBRIC = \`Score the ANSWER against the REFERENCE from 0 to 10: 10 when it says what the reference says, correct
and complete; 5 when partly right; 0 when wrong or off the question. Reply with the score as a number on the first
line, then one line saying why.\`;

async function gradeSample(sample) {
  const question = sample.messages.filter((m) => m.role === "user").map((m) => m.content).join("\\n");
  const prompt = \`\${RUBRIC}\\n\\nQUESTION:\\n\${question}\\n\\nREFERENCE:\\n\${referenceText(referenceOf(sample))}\\n\\nANSWER:\\n\${answerOf(sample)}\`;
  const r = await client.send(new ConverseCommand({ modelId: MODEL, messages: [{ role: "user", content: [{ text: prompt }] }], inferenceConfig: { maxTokens: 100, temperature: 0 } }));
  const text = r.output?.message?.content?.map((c) => c.text ?? "").join("") ?? "";
  const m = /^\\s*(\\d+(?:\\.\\d+)?)/.exec(text);
  if (!m) throw new Error(\`the judge did not start with a score: \${text.slice(0, 80)}\`);
  const score = Math.min(10, Math.max(0, Number(m[1]))) / 10;
  return { id: String(sample.id), aggregate_reward_score: score, metrics_list: [{ name: "judge_score", value: score, type: "Reward" }] };
}
`;

/** The handler's source for a kind. */
export function graderSource(kind: GraderKind): string {
  return { exact: EXACT, numeric: NUMERIC, "json-fields": JSON_FIELDS, judge: JUDGE }[kind];
}

export function graderReadme(kind: GraderKind): string {
  return `# RFT grader (${kind})

Written by \`prep-data grader init --kind ${kind}\`. \`index.mjs\` exports \`handler\`, the Lambda entry point
(runtime Node.js 20 or later, handler \`index.handler\`). Bedrock sends a list of samples — the record's messages with
the model's answer appended as the last message, an \`id\`, and the reference answer — and takes back one
\`{"id", "aggregate_reward_score", "metrics_list"?}\` per sample
(https://docs.aws.amazon.com/bedrock/latest/userguide/reward-functions.html).

Try it on your records before paying for a job:

    prep-data grader test . --records rft.jsonl --responses replies.jsonl

Deploy: zip this folder and create the function (timeout: raise the default 3 s; the grader must answer in seconds),
then \`prep-data job create --type rft --grader-lambda <function ARN> …\`.
`;
}
