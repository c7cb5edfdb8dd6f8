/**
 * Issue 17, finding 4 (CLI half): `agents enable` asks y/N per permission on a
 * terminal (a real pseudo-terminal through util-linux `script`), scripts pass
 * --approve PERM / --approve-all / --approve-none, and without a terminal and
 * without a flag it refuses in one line instead of enabling with no approvals.
 * Real fixture agents built with mix, installed from a file:// registry.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { agentRepo, binaryPath, cleanupTemp, registryEntry, registryRepo, runBin, tempDir, testHome } from "../helpers/git-fixtures.ts";

const A = "com.example.asks";
const B = "com.example.scripted";
const PERMS = ["env:read:HELLO_NAME", "filesystem:read:~/Documents"];
let env: Record<string, string>;

beforeAll(async () => {
  const root = tempDir();
  const a = agentRepo(root, { id: A, permissions: PERMS });
  const b = agentRepo(root, { id: B, permissions: PERMS });
  const reg = registryRepo(root, { [`${A}.json`]: registryEntry(a), [`${B}.json`]: registryEntry(b) });
  env = testHome().env;
  for (const args of [["registry", "add", "fx", reg.url], ["registry", "sync", "fx"], ["agents", "install", A, "--yes"], ["agents", "install", B, "--yes"]]) {
    const r = await runBin(args, env);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
  }
}, 240_000);
afterAll(cleanupTemp);

const state = async (id: string) => {
  const j = (await runBin(["agents", "info", id, "--json"], env)).json;
  return { enabled: j.install.enabled as boolean, approved: (j.approvals as Array<{ permission: string }>).map((p) => p.permission).sort() };
};

/** Runs the binary on a pseudo-terminal and answers each y/N question in turn. */
async function onTerminal(args: string[], answers: string[]): Promise<{ code: number | null; output: string }> {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const p = Bun.spawn(["script", "-qec", [await binaryPath(), ...args].map(q).join(" "), "/dev/null"], { env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let output = "";
  let asked = 0;
  const dec = new TextDecoder();
  const reader = p.stdout.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    output += dec.decode(value);
    const questions = output.split("[y/N]").length - 1;
    while (asked < questions) {
      p.stdin.write(`${answers[asked] ?? ""}\n`);
      p.stdin.flush();
      asked++;
    }
  }
  await p.exited;
  return { code: p.exitCode, output };
}

describe("agents enable", () => {
  test("without a terminal and without a flag: one line naming the flags, exit 2, nothing enabled or approved", async () => {
    const r = await runBin(["agents", "enable", A], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `opensentience: ${A} requests 2 permissions not approved yet (${PERMS.join(", ")}); stdin is not a terminal, so re-run with --approve PERM (repeatable), --approve-all, or --approve-none\n`,
    );
    expect(await state(A)).toEqual({ enabled: false, approved: [] });
  });

  test("on a terminal: asks per permission with what it allows; y approves, n does not", async () => {
    const r = await onTerminal(["agents", "enable", A], ["y", "n"]);
    expect(r.code).toBe(0);
    expect(r.output).toContain("env:read:HELLO_NAME — Read the environment variable HELLO_NAME. Approve? [y/N]");
    expect(r.output).toContain("filesystem:read:~/Documents — Read files in ~/Documents. Approve? [y/N]");
    expect(r.output).toContain("not approved: filesystem:read:~/Documents");
    expect(await state(A)).toEqual({ enabled: true, approved: ["env:read:HELLO_NAME"] });
    // Asked again only for what is still pending.
    const again = await onTerminal(["agents", "enable", A], ["y"]);
    expect(again.output.split("[y/N]").length - 1).toBe(1);
    expect(await state(A)).toEqual({ enabled: true, approved: [...PERMS].sort() });
  }, 60_000);

  test("scripts: --approve (repeatable), --approve-none, --approve-all; nothing pending needs no flag", async () => {
    const none = await runBin(["agents", "enable", B, "--approve-none", "--json"], env);
    expect(none.code).toBe(0);
    expect(none.json.notApproved).toEqual(PERMS);
    expect(await state(B)).toEqual({ enabled: true, approved: [] });
    expect((await runBin(["agents", "enable", B, "--approve", PERMS[0]!, "--approve", PERMS[1]!], env)).code).toBe(0);
    expect(await state(B)).toEqual({ enabled: true, approved: [...PERMS].sort() });
    expect((await runBin(["agents", "disable", B], env)).code).toBe(0);
    const reEnable = await runBin(["agents", "enable", B], env);
    expect(reEnable.stderr).toBe("");
    expect(reEnable.code).toBe(0);
    expect((await runBin(["agents", "enable", B, "--approve-all", "--approve-none"], env)).code).toBe(2);
  });
});
