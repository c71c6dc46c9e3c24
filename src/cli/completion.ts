import type { Command, Option } from "commander";
import { PrepError } from "../record.js";

/**
 * Shell completion: `prep-data completion bash|zsh|fish` prints a script that asks `prep-data __complete` for the
 * candidates at the cursor, so commands, options, choices (formats, shapes, policies) and model names always match
 * the installed version.
 */
export const COMPLETION_SCRIPTS: Record<"bash" | "zsh" | "fish", string> = {
  bash: `# prep-data completion for bash: add to ~/.bashrc: source <(prep-data completion bash)
_prep_data_complete() {
  local IFS=$'\\n'
  COMPREPLY=( $(prep-data __complete "$COMP_CWORD" -- "\${COMP_WORDS[@]}" 2>/dev/null) )
}
complete -o default -o nosort -F _prep_data_complete prep-data
`,
  zsh: `#compdef prep-data
# prep-data completion for zsh: add to ~/.zshrc: source <(prep-data completion zsh)
_prep_data_complete() {
  local -a candidates
  candidates=("\${(@f)$(prep-data __complete $((CURRENT - 1)) -- "\${words[@]}" 2>/dev/null)}")
  if (( \${#candidates} )) && [[ -n "\${candidates[1]}" ]]; then compadd -Q -a candidates; else _files; fi
}
compdef _prep_data_complete prep-data
`,
  fish: `# prep-data completion for fish: prep-data completion fish > ~/.config/fish/completions/prep-data.fish
function __prep_data_complete
  set -l words (commandline -opc) (commandline -ct)
  prep-data __complete (math (count $words) - 1) -- $words 2>/dev/null
end
complete -c prep-data -a '(__prep_data_complete)'
`,
};

function longName(o: Option): string | undefined {
  return o.long ?? o.short ?? undefined;
}

/** The candidates for the word at `index` of `words` (words[0] is the program). Empty: let the shell complete files. */
export async function completions(program: Command, index: number, words: string[]): Promise<string[]> {
  const cur = words[index] ?? "";
  let cmd: Command = program;
  const options = (c: Command) => [...c.options, ...(c === program ? [] : program.options)];
  for (let i = 1; i < index; i++) {
    const w = words[i]!;
    if (w.startsWith("-")) continue;
    const prev = words[i - 1]!;
    const prevOpt = options(cmd).find((o) => o.long === prev || o.short === prev);
    if (prevOpt && (prevOpt.required || prevOpt.optional)) continue; // an option's value
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub) cmd = sub;
  }
  const prev = words[index - 1] ?? "";
  const prevOpt = options(cmd).find((o) => o.long === prev || o.short === prev);
  if (prevOpt && (prevOpt.required || prevOpt.optional) && !cur.startsWith("-")) {
    if (prevOpt.argChoices?.length) return prevOpt.argChoices.filter((c) => c.startsWith(cur));
    if (prevOpt.long === "--model" || prevOpt.long === "--teacher-model") {
      const { profiles } = await import("../profiles/index.js");
      return [...new Set(profiles.flatMap((p) => [...p.aliases, p.id]))].filter((c) => c.startsWith(cur)).sort();
    }
    if (["--teacher", "--judge"].includes(prevOpt.long ?? "")) return ["bedrock:", "openai:"].filter((c) => c.startsWith(cur));
    return [];
  }
  if (cur.startsWith("-")) {
    return options(cmd)
      .filter((o) => !o.hidden)
      .map(longName)
      .filter((n): n is string => !!n && n.startsWith(cur))
      .concat(cur === "-" || "--help".startsWith(cur) ? ["--help"] : []);
  }
  if (cmd.commands.length) return cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name()).filter((n) => n !== "help" && n.startsWith(cur));
  return [];
}

export function addCompletionCommands(program: Command): void {
  program
    .command("completion <shell>")
    .description("print a shell completion script (bash, zsh or fish): commands, options, formats and model names")
    .action((shell: string) => {
      if (!(shell in COMPLETION_SCRIPTS)) throw new PrepError(`completion: ${shell} is not a shell prep-data completes (bash, zsh or fish)`, 2);
      process.stdout.write(COMPLETION_SCRIPTS[shell as keyof typeof COMPLETION_SCRIPTS]);
    });
  program
    .command("__complete <index> [words...]", { hidden: true })
    .allowUnknownOption()
    .helpOption(false)
    .action(async (index: string, words: string[]) => {
      const out = await completions(program, Number(index), words ?? []);
      if (out.length) process.stdout.write(out.join("\n") + "\n");
    });
}
