import type { Command } from "commander";

/**
 * What each command's `--help` ends with: examples taken from the README (each one parses: a test runs them through
 * the real parser), the environment variables the command reads, and its exit codes.
 */
interface HelpEntry {
  examples: string[];
  env: string[];
  exit: string;
}

const DATA_EXIT = "0 all rows written; 1 some rows or files rejected (the rest written); 2 usage error (nothing written); 3 nothing usable written (an existing output left as it was); 130 interrupted";
const OPS_EXIT = "0 done (removed duplicates are not errors); 1 some lines refused (not JSON, not UTF-8, no group); 2 usage error; 3 nothing written; 130 interrupted";
const HUB_ENV = ["HF_TOKEN, HF_TOKEN_PATH", "HF_ENDPOINT", "HF_HUB_OFFLINE, HF_HUB_CACHE, HF_HOME", "PREP_DATA_HUB_RETRIES, PREP_DATA_HUB_BACKOFF_MS"];
const S3_ENV = ["AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (s3:// paths)", "AWS_ENDPOINT_URL_S3, PREP_DATA_S3_PATH_STYLE, PREP_DATA_S3_TIMEOUT"];
const SHARD_ENV = ["AWS_BATCH_JOB_ARRAY_INDEX/SIZE, JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID/COUNT (--shard auto)"];
const MODEL_ENV = ["AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_BEARER_TOKEN_BEDROCK (bedrock: models)", "OPENAI_BASE_URL, OPENAI_API_KEY (openai: models)", "PREP_DATA_TEACHER_BACKOFF_MS"];

export const HELP: Record<string, HelpEntry> = {
  dialogsum: {
    examples: ["prep-data dialogsum --format instruction --limit 1000 -o train.jsonl", "prep-data dialogsum --validation -o train.jsonl", 'prep-data dialogsum --format messages --system "You summarise dialogues." -o chat.jsonl', "prep-data dialogsum --split test --format evaluation -o test.jsonl"],
    env: [...HUB_ENV, ...S3_ENV],
    exit: DATA_EXIT,
  },
  csv: {
    examples: ["prep-data csv faq.csv --prompt 'Question: {question}' --completion '{answer}' -o train.jsonl", "prep-data csv docs.csv --prompt '{document}\\n\\n{question}' --completion '{answer}' --sample 500 --seed 1 --test-fraction 0.25 --group-by {document} -o originals.jsonl", "prep-data csv math.csv --format rft --system 'Answer with a number.' --prompt '{question}' --reference '{answer}' -o rft.jsonl"],
    env: [...S3_ENV, ...SHARD_ENV],
    exit: DATA_EXIT,
  },
  json: { examples: ["prep-data json data.jsonl --prompt '{instruction}' --completion '{output}' -o train.jsonl", "cat data.jsonl | prep-data json - --user '{q}' --assistant '{a}' --format messages -o chat.jsonl"], env: [...S3_ENV, ...SHARD_ENV], exit: DATA_EXIT },
  parquet: { examples: ["prep-data parquet train.parquet --prompt '{question}' --completion '{answer}' -o train.jsonl"], env: [...S3_ENV, ...SHARD_ENV], exit: DATA_EXIT },
  hf: {
    examples: ["prep-data hf tatsu-lab/alpaca --prompt '{instruction}\\n\\n{input}' --completion '{output}' -o alpaca.jsonl", "prep-data hf owner/name@v1.0 --split validation --format conversation --user '{q}' --assistant '{a}'"],
    env: [...HUB_ENV, ...S3_ENV, ...SHARD_ENV],
    exit: DATA_EXIT,
  },
  convert: {
    examples: ["prep-data convert openai-chat.jsonl --to conversation -o train.jsonl", "prep-data convert sharegpt.json --to messages --max-tokens 32000 --too-long split --model haiku -o train.jsonl", "prep-data convert hf:tatsu-lab/alpaca --to instruction -o alpaca.jsonl", "prep-data convert originals.test.jsonl --to evaluation -o heldout.jsonl"],
    env: [...HUB_ENV, ...S3_ENV],
    exit: DATA_EXIT,
  },
  pdf: {
    examples: ["prep-data pdf 'books/**/*.pdf' --format cpt -o train.jsonl", "cat book.pdf | prep-data pdf - --format cpt -o train.jsonl", "prep-data pdf manuals/ --model titan-express --metadata provenance.jsonl -o cpt.jsonl"],
    env: ["PREP_DATA_PDFTOTEXT (the pdftotext to run)", ...S3_ENV, ...SHARD_ENV],
    exit: DATA_EXIT,
  },
  text: {
    examples: ["prep-data text docs/ --format cpt --dedup near --quality --redact email,phone --model titan-express --metadata provenance.jsonl -o cpt.jsonl", "cat notes.md | prep-data text - -o cpt.jsonl"],
    env: [...S3_ENV, ...SHARD_ENV],
    exit: DATA_EXIT,
  },
  synth: {
    examples: ["prep-data synth docs.csv --teacher bedrock:anthropic.claude-3-sonnet-20240229-v1:0 --pairs 3 --include-originals --format messages --model haiku -o train.jsonl", "prep-data synth 'manuals/**/*.pdf' --teacher openai:qwen2.5-7b-instruct --base-url http://127.0.0.1:8000/v1 --pairs 5 --format conversation --model nova-lite -o train.jsonl", "prep-data synth docs.csv --teacher bedrock:anthropic.claude-3-sonnet-20240229-v1:0 --verify --repair --min-score 4 --rejects weak.jsonl -o synthetic.jsonl"],
    env: [...MODEL_ENV, ...HUB_ENV, ...SHARD_ENV],
    exit: DATA_EXIT,
  },
  curate: {
    examples: ["prep-data curate synthetic.jsonl --judge bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0 --min-score 4 --metadata scores.jsonl --rejects weak.jsonl -o curated.jsonl"],
    env: MODEL_ENV,
    exit: "0 every record judged (removals are what curate is for); 1 some could not be judged; 2 usage error; 3 nothing kept; 130 interrupted",
  },
  eval: {
    examples: ["prep-data eval test.jsonl --model base=bedrock:amazon.nova-lite-v1:0 --model tuned=bedrock:arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123def456 --judge bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0 -o results.jsonl --report eval.json", "prep-data eval heldout.jsonl --model openai:student-a --model openai:student-b --base-url http://127.0.0.1:8000/v1 -o results.jsonl", "prep-data eval test.jsonl --model tuned=bedrock:amazon.nova-lite-v1:0 --judge bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0 --role-arn arn:aws:iam::123456789012:role/BedrockEval --dataset-s3 s3://my-bucket/eval/test.jsonl --output-s3 s3://my-bucket/eval-out/ --bedrock-job jobs.jsonl"],
    env: MODEL_ENV,
    exit: "0 every prompt evaluated; 1 some lines refused or some calls failed; 2 usage error; 3 no prompt evaluated; 130 interrupted",
  },
  upload: {
    examples: ["prep-data upload train.jsonl s3://my-bucket/dialogsum/ --model llama3.1-8b", "prep-data upload rft.jsonl s3://my-bucket/rft/ --model nova-2-lite"],
    env: S3_ENV,
    exit: "0 uploaded; 1 the data breaks the model's rules (nothing uploaded without --force); 2 usage error; 3 the upload failed (nothing left under the key); 130 interrupted",
  },
  "job create": {
    examples: ["prep-data job create --model llama3.1-8b --manifest train.manifest.json --output s3://my-bucket/out/ --role-arn arn:aws:iam::123456789012:role/BedrockCustomization --name dialogsum-ft --epochs 2 --submit", "prep-data job create --type rft --model nova-2-lite --manifest rft.manifest.json --output s3://my-bucket/out/ --role-arn arn:aws:iam::123456789012:role/BedrockCustomization --name rft-1 --grader-lambda arn:aws:lambda:us-east-1:123456789012:function:my-grader --hp epochCount=2 --submit"],
    env: ["AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_BEDROCK"],
    exit: "0 request valid (and submitted with --submit); 2 usage error or a request the API would refuse; 3 the service refused it",
  },
  "job status": { examples: ["prep-data job status dialogsum-ft"], env: ["AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_BEDROCK"], exit: "0 shown; 3 the service could not be asked" },
  "job wait": { examples: ["prep-data job wait dialogsum-ft"], env: ["AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_BEDROCK"], exit: "0 Completed; 1 Failed or Stopped; 3 the service could not be asked; 130 interrupted" },
  "grader init": { examples: ["prep-data grader init --kind numeric -o grader/"], env: [], exit: "0 written; 2 usage error" },
  "grader test": { examples: ["prep-data grader test grader/ --records rft.jsonl --responses replies.jsonl -o scores.jsonl"], env: ["JUDGE_MODEL_ID and the AWS_* variables (judge graders)"], exit: "0 every call returned a valid score; 1 some did not (a grader-output finding each); 2 usage error; 3 the grader does not load" },
  validate: {
    examples: ["prep-data validate train.jsonl --model amazon.titan-text-express-v1", "prep-data validate train.jsonl --validation val.jsonl --model haiku --json", "prep-data validate train.jsonl --model llama3.1-8b --rejects rejects.jsonl --stats", "prep-data validate train.jsonl --model nova-2-lite --check-media"],
    env: S3_ENV,
    exit: "0 no errors (warnings allowed); 1 errors; 2 usage error; 3 the file could not be validated; 130 interrupted",
  },
  stats: { examples: ["prep-data stats train.jsonl --tokenizer llama3", "prep-data stats train.jsonl --model llama3.1-8b --json"], env: S3_ENV, exit: "0 counted; 2 usage error; 3 the file could not be read; 130 interrupted" },
  report: {
    examples: ["prep-data report train.jsonl --model llama3.1-8b -o report.html", "prep-data report synthetic.jsonl --metadata meta.jsonl -o synth.html", "prep-data report results.jsonl -o eval.html"],
    env: S3_ENV,
    exit: "0 written, no errors in the data; 1 written, the data has errors (shown in the page); 2 usage error; 3 no records",
  },
  review: {
    examples: ["prep-data review synthetic.jsonl", "prep-data review train.jsonl --model nova-2-lite --port 8765"],
    env: [],
    exit: "0 never (it serves until stopped); 130 stopped with Ctrl-C (every decision is already in the log); 2 usage error; 3 the file cannot be read",
  },
  push: {
    examples: ["prep-data push train.jsonl validation.jsonl hf://datasets/me/support-qa", "prep-data push train=qa.jsonl hf://datasets/me/support-qa@experiment --target trl --private"],
    env: ["HF_TOKEN (or HUGGING_FACE_HUB_TOKEN, or the token file under HF_HOME / HF_TOKEN_PATH): a token with write access, never printed", "HF_ENDPOINT: the Hub's address (default https://huggingface.co)"],
    exit: "0 pushed, or nothing to push (the repository already has these files); 1 the data breaks its rules (nothing pushed); 2 usage error or no token; 3 the Hub refused (nothing committed)",
  },
  register: {
    examples: ["prep-data register data/qa.jsonl --target llama-factory", "prep-data register train.jsonl --target llama-factory --dataset-info LLaMA-Factory/data/dataset_info.json --name my_qa", "prep-data register train.jsonl --target axolotl"],
    env: [],
    exit: "0 registered (or printed); 2 usage error (no --target, or one without a registry); 3 the file is not of a format the trainer reads, or dataset_info.json is not a JSON object (left as it is)",
  },
  run: {
    examples: ["prep-data run examples/synthetic-experiment.yaml", "SAMPLE=100 prep-data run recipe.yaml --force --report run.json"],
    env: ["any ${VAR} the recipe names (the recipe's env: gives defaults)"],
    exit: "0 every step done or up to date; 1 a step refused some rows (the recipe went on); else the failing step's code (the later steps not run); 2 a bad recipe",
  },
  completion: { examples: ["prep-data completion bash", "prep-data completion fish"], env: [], exit: "0 printed; 2 an unknown shell" },
  models: { examples: ["prep-data models", "prep-data models nova-2-lite"], env: [], exit: "0 shown; 2 unknown model (the nearest names are suggested)" },
  dedup: { examples: ["prep-data dedup train.jsonl --near -o deduped.jsonl --rejects dups.jsonl", "prep-data dedup synthetic.jsonl --key '{question}' --near 0.7 -o deduped.jsonl"], env: S3_ENV, exit: OPS_EXIT },
  sample: { examples: ["prep-data sample train.jsonl -n 1000 --seed 1 -o sample.jsonl"], env: S3_ENV, exit: OPS_EXIT },
  shuffle: { examples: ["prep-data shuffle train.jsonl --seed 1 -o shuffled.jsonl"], env: S3_ENV, exit: OPS_EXIT },
  split: { examples: ["prep-data split all.jsonl -o train.jsonl --validation-fraction 0.1 --test-fraction 0.1 --seed 1", "prep-data split all.jsonl -o train.jsonl --validation-fraction 0.2 --group-by doc_id"], env: S3_ENV, exit: OPS_EXIT },
  merge: {
    examples: ["prep-data merge originals.jsonl synthetic.jsonl --dedup near --key '{question}' --tag --metadata origin.jsonl --rejects dups.jsonl --validation-fraction 0.1 --model haiku -o train.jsonl", "prep-data merge 'syn-*-of-00004.jsonl' -o all.jsonl"],
    env: S3_ENV,
    exit: OPS_EXIT,
  },
};

/** Add the examples, environment variables and exit codes to each command's help. */
export function addHelpTexts(program: Command): void {
  const visit = (c: Command, prefix: string) => {
    for (const sub of c.commands) {
      const path = `${prefix}${sub.name()}`;
      const h = HELP[path];
      if (h) {
        const lines = ["", "Examples:", ...h.examples.map((e) => `  $ ${e}`)];
        if (h.env.length) lines.push("", "Environment:", ...h.env.map((e) => `  ${e}`));
        lines.push("", `Exit codes: ${h.exit}`);
        sub.addHelpText("after", lines.join("\n"));
      }
      visit(sub, `${path} `);
    }
  };
  visit(program, "");
}
