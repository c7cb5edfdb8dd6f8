/**
 * Shell completion (issue 17, finding 2). `opensentience completion bash|zsh|fish`
 * prints a small script; the script asks the binary itself
 * (`opensentience __complete WORD... CURRENT`) for candidates, so commands,
 * options, agent ids and tools are always those of the installed version and
 * catalog. `__complete` never fails loudly: no daemon, no catalog → fewer
 * candidates, never an error in the user's shell.
 */
import { AppError } from "../core/errors.ts";
import type { Command, CommandContext } from "./command.ts";
import type { Io } from "./output.ts";

// Each script hands the words up to the cursor to `__complete`. Candidates
// ending in "/" (AGENT_ID/, half a tool id) get no trailing space, so the tool
// name can be typed straight after. Tested in real bash, zsh (compsys in a
// zpty) and fish by completion.test.ts.
const SCRIPTS: Record<string, string> = {
  bash: `# opensentience bash completion: eval "$(opensentience completion bash)"
_opensentience() {
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(opensentience __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "\${COMP_WORDS[COMP_CWORD]}"))
  if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == */ ]]; then compopt -o nospace 2>/dev/null; fi
  return 0
}
complete -o default -F _opensentience opensentience`,
  zsh: `#compdef opensentience
# opensentience zsh completion: eval "$(opensentience completion zsh)" (after compinit)
_opensentience() {
  local -a candidates partial
  local ret=1
  # Unquoted (f) split: no output gives no candidate (not one empty one).
  candidates=(\${(f)"$(opensentience __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)"})
  partial=(\${(M)candidates:#*/})
  candidates=(\${candidates:#*/})
  (( \$#candidates )) && compadd -- "\${candidates[@]}" && ret=0
  (( \$#partial )) && compadd -S '' -- "\${partial[@]}" && ret=0
  # Nothing known here (e.g. the value of --args-file): file names, as bash does.
  (( ret )) && _files && ret=0
  return ret
}
compdef _opensentience opensentience`,
  fish: `# opensentience fish completion: opensentience completion fish | source
function __opensentience_complete
    set -l candidates (opensentience __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)
    # Nothing known here (e.g. the value of --args-file): file names, as bash and zsh do.
    if test (count $candidates) -gt 0
        printf '%s\\n' $candidates
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c opensentience -f -a '(__opensentience_complete)'`,
};

export const completion: Command = {
  path: ["completion"],
  summary: "Print a shell completion script (commands, options, agent ids and tools): bash, zsh or fish",
  usage: "bash|zsh|fish",
  args: { min: 1, max: 1 },
  lazyContext: true,
  run(ctx: CommandContext) {
    const shell = ctx.positionals[0]!;
    const script = SCRIPTS[shell];
    if (!script) throw new AppError("usage", `completion: unknown shell '${shell}' (bash, zsh or fish)`);
    ctx.io.out(script);
    return 0;
  },
};

/** Takes an agent id (first positional) or AGENT_ID/TOOL, judged from the usage line. */
function positionalKind(cmd: Command): "agent" | "tool" | null {
  const first = cmd.usage?.split(" ")[0];
  if (first === "ID") return "agent";
  if (first === "AGENT_ID/TOOL") return "tool";
  return null;
}

const AGENT_OPTIONS = new Set(["agent"]);

async function agentIds(env: Record<string, string | undefined>): Promise<string[]> {
  const { loadContextDeps, makeContext } = await import("./command.ts");
  const quiet: Io = { out: () => {}, err: () => {}, isTTY: false };
  const ctx = makeContext(quiet, env, {}, [], "__complete", await loadContextDeps());
  try {
    const t = await ctx.target({ write: false });
    if (t.kind === "local") return [...new Set(t.services.catalog.agentRefs().map((r) => r.id))].sort();
    const page = await t.client.listAgents({ limit: 1000 });
    return [...new Set(page.agents.flatMap((a) => (a.id ? [a.id] : [])))].sort();
  } finally {
    ctx.dispose();
  }
}

async function toolIds(env: Record<string, string | undefined>, current: string): Promise<string[]> {
  const { loadContextDeps, makeContext } = await import("./command.ts");
  const quiet: Io = { out: () => {}, err: () => {}, isTTY: false };
  const ctx = makeContext(quiet, env, {}, [], "__complete", await loadContextDeps());
  try {
    const tools = (await ctx.daemon().listTools()).tools.map((t) => t.id);
    return tools.length ? tools : (await agentIds(env)).map((id) => `${id}/`);
  } catch {
    // No daemon: agents can still be completed up to the slash.
    return current.includes("/") ? [] : (await agentIds(env)).map((id) => `${id}/`);
  } finally {
    ctx.dispose();
  }
}

/** Candidates for the last word of `words` (the one being typed), one per line. */
export async function complete(words: string[], io: Io, env: Record<string, string | undefined>, commands: Command[]): Promise<number> {
  try {
    const current = words.at(-1) ?? "";
    const before = words.slice(0, -1);
    const plain = before.filter((w) => !w.startsWith("-"));
    let cmd: Command | undefined;
    for (const c of commands) if (c.path.every((w, i) => plain[i] === w) && (!cmd || c.path.length > cmd.path.length)) cmd = c;
    const prev = before.at(-1);
    let out: string[] = [];
    if (prev?.startsWith("--") && cmd?.options?.[prev.slice(2)]?.type === "string") {
      // The value of an option: agent ids for --agent, nothing we could know otherwise.
      if (AGENT_OPTIONS.has(prev.slice(2))) out = await agentIds(env);
    } else if (current.startsWith("-")) {
      out = [...Object.keys(cmd?.options ?? {}).map((k) => `--${k}`), "--json", "--help"];
    } else {
      // Next command word: the words of commands that extend what is typed so far.
      const depth = cmd ? cmd.path.length : 0;
      const typed = plain.slice(0, depth);
      const next = commands.filter((c) => c.path.length > plain.length && c.path.slice(0, plain.length).every((w, i) => w === plain[i])).map((c) => c.path[plain.length]!);
      out = [...new Set(next)];
      // A command's first positional: agent ids or tools.
      if (cmd && plain.length === typed.length && plain.length === cmd.path.length) {
        const kind = positionalKind(cmd);
        if (kind === "agent") out.push(...(await agentIds(env)));
        if (kind === "tool") out.push(...(await toolIds(env, current)));
      }
    }
    const hits = out.filter((c) => c.startsWith(current));
    if (hits.length) io.out(hits.join("\n"));
  } catch {
    // Completion must never print an error into the user's prompt.
  }
  return 0;
}
