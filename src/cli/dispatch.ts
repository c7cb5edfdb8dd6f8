import { AppError, exitCodeFor, toAppError } from "../core/errors.ts";
import { COMMIT, VERSION } from "../version.ts";
import type { Command } from "./command.ts";
import { COMMANDS } from "./commands.ts";
import { clean, type Io, processIo } from "./output.ts";
import { closest } from "./suggest.ts";

// The loops over every command below are plain `for` loops with the work inline, not a callback per
// command: a function called ~35 times is JIT-compiled, and a process's first JIT compile costs more
// CPU than this whole file (CLI start, issue 13).
function helpText(commands: Command[]): string {
  const rows: string[] = [];
  let w = 0;
  for (const c of commands) {
    // The command's words and the start of its usage.
    const row = `${c.path.join(" ")}${c.usage ? ` ${c.usage.split(" [")[0]!.replace(/^\[.*$/, "")}` : ""}`.trim();
    rows.push(row);
    if (row.length > w) w = row.length;
  }
  const lines = [
    `opensentience ${VERSION} — local, safe-by-default marketplace and runtime for Elixir agents`,
    "",
    "Usage: opensentience <command> [options]",
    "",
    "Commands:",
  ];
  for (let i = 0; i < commands.length; i++) lines.push(`  ${rows[i]!.padEnd(w)}  ${commands[i]!.summary}`);
  lines.push("", "Global options: --json (machine-readable output), --help, --version", "Data directory: $OPENSENTIENCE_HOME (default ~/.opensentience)");
  return lines.join("\n");
}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options ?? {}).map(([k, o]) => [`--${k}${o.short ? `, -${o.short}` : ""}${o.type === "string" ? " VALUE" : ""}`, o.description ?? ""] as const);
  opts.push(["--json", "Machine-readable output"]);
  const w = Math.max(...opts.map(([a]) => a.length));
  return [`Usage: opensentience ${c.path.join(" ")} ${c.usage ?? ""}`.trimEnd(), "", c.summary, "", "Options:", ...opts.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`.trimEnd())].join("\n");
}

/** The commands of a group (`agents`, `tools`, …): the subcommands under that first word. */
function groupCommands(word: string | undefined, commands: Command[]): Command[] {
  const members: Command[] = [];
  if (word === undefined) return members;
  for (const c of commands) if (c.path.length > 1 && c.path[0] === word) members.push(c);
  return members;
}

function groupHelp(word: string, members: Command[], commands: Command[]): string {
  const rows = members.map((c) => [c.path.join(" "), c.summary] as const);
  const w = Math.max(...rows.map(([a]) => a.length));
  const list = ["Commands:", ...rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`), "", `See: opensentience ${word} <command> --help`];
  const own = commands.find((c) => c.path.length === 1 && c.path[0] === word);
  return (own ? [commandHelp(own), "", ...list] : [`Usage: opensentience ${word} <command> [options]`, "", ...list]).join("\n");
}

/** Finds the command whose words are the longest prefix of argv. */
function findCommand(argv: string[], commands: Command[]): { cmd: Command; rest: string[] } | null {
  let best: Command | null = null;
  for (const cmd of commands) {
    const words = cmd.path;
    let i = 0;
    while (i < words.length && argv[i] === words[i]) i++;
    if (i === words.length && (!best || words.length > best.path.length)) best = cmd;
  }
  return best && { cmd: best, rest: argv.slice(best.path.length) };
}

function unknownCommand(argv: string[], commands: Command[]): AppError {
  const words = argv.filter((a) => !a.startsWith("-"));
  const typed = words.slice(0, 2).join(" ");
  const names = commands.map((c) => c.path.join(" "));
  const groupMatch = commands.filter((c) => c.path.length > 1 && c.path[0] === words[0]);
  const guess = closest(typed, names) ?? (groupMatch.length ? null : closest(words[0] ?? "", [...new Set(commands.map((c) => c.path[0]!))]));
  const hint = guess
    ? ` Did you mean '${guess}'?`
    : groupMatch.length
      ? ` Try one of: ${groupMatch.map((c) => c.path.join(" ")).join(", ")}.`
      : "";
  return new AppError("usage", `unknown command '${clean(typed)}'.${hint} (see: opensentience --help)`);
}

/** Runs one CLI invocation and returns the exit code. Never throws. */
export async function runCli(argv: string[], io: Io = processIo, env = process.env, commands = COMMANDS): Promise<number> {
  const jsonMode = argv.includes("--json");
  try {
    if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      io.out(helpText(commands));
      return 0;
    }
    if (argv[0] === "--version" || argv[0] === "-v" || argv[0] === "version") {
      if (jsonMode) io.out(JSON.stringify({ version: VERSION, commit: COMMIT }));
      else io.out(`opensentience ${VERSION} (${COMMIT})`);
      return 0;
    }
    // The shell completion scripts' helper (src/cli/completion.ts); not a listed command.
    if (argv[0] === "__complete") return await (await import("./completion.ts")).complete(argv.slice(1), io, env, commands);
    const found = findCommand(argv, commands);
    // `agents`, `agents --help`, `token --help`: the group's commands, like git (a command that is
    // also a group, `token`, keeps running bare; its --help shows the group).
    const group = groupCommands(argv[0], commands);
    const rest = argv.slice(1);
    const helpAsked = rest.includes("--help") || rest.includes("-h");
    if (group.length && (found?.cmd.path.length ?? 0) <= 1 && (helpAsked ? rest.every((a) => a.startsWith("-")) : !found && rest.length === 0)) {
      io.out(groupHelp(argv[0]!, group, commands));
      return 0;
    }
    if (!found) throw unknownCommand(argv, commands);
    if (found.rest.includes("--help") || found.rest.includes("-h")) {
      io.out(commandHelp(found.cmd));
      return 0;
    }
    // Loaded only when a command runs; config loading (zod), the daemon client and the services load
    // here, or for a lazyContext command on its first target().
    const { loadContextDeps, makeContext, parseCommandArgs } = await import("./command.ts");
    const { values, positionals } = parseCommandArgs(found.cmd, found.rest);
    const deps = found.cmd.lazyContext ? undefined : await loadContextDeps();
    const ctx = makeContext(io, env, values, positionals, found.cmd.path.join(" "), deps);
    try {
      return (await found.cmd.run(ctx)) ?? 0;
    } finally {
      ctx.dispose();
    }
  } catch (e) {
    const err = toAppError(e);
    // Loaded only on this path: the secret rules are a third of what `--version` costs to start (issue 13).
    const { redactText } = await import("../core/redact.ts");
    const msg = redactText(err.message).split("\n")[0]!;
    if (jsonMode) io.err(JSON.stringify({ error: { code: err.code, message: msg } }));
    else io.err(`opensentience: ${msg}`);
    if (err.code === "internal" && env.OPENSENTIENCE_DEBUG) io.err(String((e as Error).stack));
    return exitCodeFor(err.code);
  }
}
