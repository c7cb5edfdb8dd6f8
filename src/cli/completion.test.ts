/**
 * Shell completion (issue 17): the candidates `__complete` gives over a real
 * catalog, and each script driving it in its real shell: bash (the function
 * called as bash's completion would), zsh (compsys in an interactive zsh on a
 * zpty, Tab pressed, matches captured from the real compadd) and fish
 * (`complete -C`).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildFixtureTree, type FixtureTree } from "../../test/fixtures/foundation/tree.ts";
import { runCli } from "./dispatch.ts";
import type { Io } from "./output.ts";

let tree: FixtureTree;
let env: Record<string, string>;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false };
  const code = await runCli(argv, io, env);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}
const candidates = async (...words: string[]) => {
  const r = await cli("__complete", ...words);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean);
};

beforeAll(async () => {
  tree = buildFixtureTree({ bad: false, hazards: false });
  env = { OPENSENTIENCE_HOME: join(tree.base, "home"), OPENSENTIENCE_SCAN_ROOTS: tree.root, OPENSENTIENCE_EXAMPLES: "0", HOME: tree.base, PATH: process.env.PATH ?? "" };
  expect((await cli("discover")).code).toBe(0);
});
afterAll(() => rmSync(tree.base, { recursive: true, force: true }));

describe("__complete", () => {
  test("command words, then subcommands", async () => {
    expect(await candidates("ag")).toEqual(["agents"]);
    expect(await candidates("agents", "in")).toEqual(["info", "install"]);
    expect(await candidates("")).toContain("completion");
    expect(await candidates("tools", "")).toEqual(["list", "info", "call"]);
  });

  test("options of the command being typed", async () => {
    expect(await candidates("agents", "list", "--st")).toEqual(["--status"]);
    expect(await candidates("tools", "call", "x/y", "--a")).toEqual(["--args", "--args-file", "--arg"]);
  });

  test("agent ids from the catalog where an ID goes, and for --agent", async () => {
    expect(await candidates("agents", "info", "")).toEqual(["com.example.git_commit", "com.example.mix_marker", "com.example.weather", "org.team.summarizer"]);
    expect(await candidates("agents", "info", "com.example.w")).toEqual(["com.example.weather"]);
    expect(await candidates("audit", "--agent", "org")).toEqual(["org.team.summarizer"]);
    // No daemon: tools complete up to the agent's slash.
    expect(await candidates("tools", "call", "com.example.we")).toEqual(["com.example.weather/"]);
  });

  test("never an error: odd input gives no candidates and exit 0", async () => {
    expect(await candidates("frobnicate", "")).toEqual([]);
    expect(await candidates()).toContain("agents");
  });

  test("completion SHELL prints the script; an unknown shell is a usage error", async () => {
    for (const shell of ["bash", "zsh", "fish"]) expect((await cli("completion", shell)).stdout).toContain("opensentience __complete");
    const bad = await cli("completion", "tcsh");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("opensentience: completion: unknown shell 'tcsh' (bash, zsh or fish)");
  });

  test("the bash script completes in a real bash", async () => {
    const script = (await cli("completion", "bash")).stdout;
    const main = resolve(import.meta.dir, "../main.ts");
    const prog = [
      `opensentience() { ${JSON.stringify(process.execPath)} ${JSON.stringify(main)} "$@"; }`,
      script,
      "COMP_WORDS=(opensentience agents info com.example.w); COMP_CWORD=3; _opensentience; printf '%s\\n' \"${COMPREPLY[@]}\"",
      "COMP_WORDS=(opensentience tools ''); COMP_CWORD=2; _opensentience; printf '%s\\n' \"${COMPREPLY[@]}\"",
    ].join("\n");
    const p = Bun.spawnSync(["bash", "-c", prog], { env, stdout: "pipe", stderr: "pipe" });
    expect(p.stderr.toString()).toBe("");
    expect(p.stdout.toString().split("\n").filter(Boolean)).toEqual(["com.example.weather", "list", "info", "call"]);
  });

  test("the bash script: no space after AGENT_ID/ (half a tool id), and it always returns 0", async () => {
    const script = (await cli("completion", "bash")).stdout;
    expect(script).toContain("compopt -o nospace");
    const main = resolve(import.meta.dir, "../main.ts");
    const prog = [
      // compopt works only inside a real completion; record what the script asks of it.
      'compopt() { echo "compopt $1 $2"; }',
      `opensentience() { ${JSON.stringify(process.execPath)} ${JSON.stringify(main)} "$@"; }`,
      script,
      "COMP_WORDS=(opensentience tools call com.example.we); COMP_CWORD=3; _opensentience; echo \"rc=$?\"; printf '%s\\n' \"${COMPREPLY[@]}\"",
      "COMP_WORDS=(opensentience frobnicate ''); COMP_CWORD=2; _opensentience; echo \"rc=$? n=${#COMPREPLY[@]}\"",
    ].join("\n");
    const p = Bun.spawnSync(["bash", "-c", prog], { env, stdout: "pipe", stderr: "pipe", timeout: 60_000 });
    expect(p.stderr.toString()).toBe("");
    expect(p.stdout.toString().split("\n").filter(Boolean)).toEqual(["compopt -o nospace", "rc=0", "com.example.weather/", "rc=0 n=0"]);
  }, 60_000);
});

const haveZsh = Bun.which("zsh") !== null;
const haveFish = Bun.which("fish") !== null;
const main = resolve(import.meta.dir, "../main.ts");
const shellFn = (shell: "zsh" | "fish") =>
  shell === "zsh" ? `opensentience() { ${JSON.stringify(process.execPath)} ${JSON.stringify(main)} "$@"; }` : `function opensentience; ${JSON.stringify(process.execPath)} ${JSON.stringify(main)} $argv; end`;

/**
 * Completes each line in a fresh interactive zsh on a pseudo-terminal, as a
 * user pressing Tab would: compinit, the script from `completion zsh`, Tab
 * bound to complete-word. compadd is wrapped to print what the real compadd
 * matched (`-A` does the matching against what is typed) and the suffix it
 * was asked to add; the completion's end is a marker, so nothing waits on time.
 */
async function zshComplete(lines: string[]): Promise<string[][]> {
  const dir = join(tree.base, `zsh-${crypto.randomUUID()}`);
  mkdirSync(join(dir, "cwd"), { recursive: true });
  writeFileSync(join(dir, "cwd", "args.json"), "{}"); // the one file name a file fallback can offer
  const setup = join(dir, "setup.zsh");
  writeFileSync(
    setup,
    [
      "PROMPT='' RPROMPT=''",
      "autoload -U compinit && compinit -u -D",
      shellFn("zsh"),
      (await cli("completion", "zsh")).stdout,
      "bindkey '^I' complete-word",
      "compadd() {",
      "  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd \"$@\"; return; fi",
      "  local -a __hits; builtin compadd -A __hits \"$@\"",
      "  local __sfx=''; (( ${@[(I)-S]} )) && [[ -z ${@[${@[(I)-S]}+1]} ]] && __sfx=' (no space)'",
      "  local h; for h in \"${__hits[@]}\"; do print -r -- \"CAPTURE-HIT:\\\"$h\\\"$__sfx\"; done",
      "  builtin compadd \"$@\"",
      "}",
      "_capture_end() { print -r -- CAPTURE-END; exit }",
      "comppostfuncs=(_capture_end)",
      "print -r -- CAPTURE-READY",
    ].join("\n"),
  );
  const harness = [
    "zmodload zsh/zpty || exit 3",
    "local line typed",
    'for typed in "${@[2,-1]}"; do',
    "  zpty z zsh -f -i",
    '  zpty -w z "source ${(q)1}"',
    "  while zpty -r z line; do [[ $line == *CAPTURE-READY* && $line != *print* ]] && break; done",
    '  zpty -w -n z "$typed"$\'\\t\'',
    "  print -r -- '--'",
    "  while zpty -r z line; do",
    "    line=${line//$'\\r'/}",
    "    [[ $line == *CAPTURE-END* ]] && break",
    "    [[ $line == *CAPTURE-HIT:* ]] && print -r -- ${line#*CAPTURE-HIT:}",
    "  done",
    "  zpty -d z",
    "done",
  ].join("\n");
  const p = Bun.spawnSync(["zsh", "-f", "-c", harness, "harness", setup, ...lines], { cwd: join(dir, "cwd"), env, stdout: "pipe", stderr: "pipe", timeout: 90_000 });
  expect(p.exitCode, p.stderr.toString()).toBe(0);
  return p.stdout
    .toString()
    .split("--\n")
    .slice(1)
    .map((block) => block.split("\n").filter((l) => l.trim() !== ""));
}

describe.skipIf(!haveZsh)("the zsh script in a real zsh (compsys, Tab on a pty)", () => {
  test("commands, subcommands, options, agent ids, AGENT_ID/ without a space, files where nothing is known, never an empty match", async () => {
    const [cmds, subs, opts, ids, tools, nothing, file] = await zshComplete([
      "opensentience ag",
      "opensentience agents in",
      "opensentience agents list --st",
      "opensentience agents info com.example.w",
      "opensentience tools call com.example.we",
      "opensentience frobnicate ",
      "opensentience tools call x/y --args-file a",
    ]);
    expect(cmds).toEqual(['"agents"']);
    expect(subs).toEqual(['"info"', '"install"']);
    expect(opts).toEqual(['"--status"']);
    expect(ids).toEqual(['"com.example.weather"']);
    expect(nothing).toEqual(['"args.json"']); // nothing known: files, never an empty match (before the fix: [""])
    expect(file).toEqual(['"args.json"']); // the value of --args-file
    expect(tools).toEqual(['"com.example.weather/" (no space)']);
  }, 120_000);
});

describe.skipIf(!haveFish)("the fish script in a real fish (complete -C)", () => {
  test("commands, subcommands, options, agent ids, AGENT_ID/ and file names where nothing else is known", async () => {
    const lines = ["opensentience ag", "opensentience agents in", "opensentience agents list --st", "opensentience agents info com.example.w", "opensentience tools call com.example.we", "opensentience frobnicate ", "opensentience tools call x/y --args-file a"];
    const prog = [shellFn("fish"), (await cli("completion", "fish")).stdout, ...lines.map((l) => `echo -- --; complete -C ${JSON.stringify(l)}`)].join("\n");
    const cwd = join(tree.base, `fish-${crypto.randomUUID()}`);
    mkdirSync(cwd);
    writeFileSync(join(cwd, "args.json"), "{}"); // where nothing else is known, file names (as bash and zsh)
    const p = Bun.spawnSync(["fish", "--no-config", "-c", prog], { cwd, env, stdout: "pipe", stderr: "pipe", timeout: 60_000 });
    expect(p.stderr.toString()).toBe("");
    const blocks = p.stdout.toString().split("--\n").slice(1).map((b) => b.split("\n").filter(Boolean));
    expect(blocks).toEqual([["agents"], ["info", "install"], ["--status"], ["com.example.weather"], ["com.example.weather/"], ["args.json"], ["args.json"]]);
  }, 60_000);
});
