/**
 * Shell completion (issue 17): the candidates `__complete` gives over a real
 * catalog, and the bash script driving it in a real bash.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
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
});
