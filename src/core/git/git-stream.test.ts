/** Streaming object reads and tree diffs through the hardened git module. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Git } from "./git.ts";

const root = mkdtempSync(join(tmpdir(), "os-git-stream-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function sh(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, env: { PATH: process.env.PATH, HOME: root, GIT_CONFIG_NOSYSTEM: "1" } });
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
  return r.stdout.toString().trim();
}

const git = new Git({ home: join(root, "git-home"), timeoutMs: 30_000 });

describe("streamObjects", () => {
  test("hands over each object in order, skips oversized bodies unread, reports missing ones, across many pipe chunks", async () => {
    const dir = join(root, "objs");
    mkdirSync(dir);
    sh(dir, "init", "-q", "--bare");
    const hash = (content: string | Uint8Array) => {
      const f = join(root, `blob-${Math.random()}`);
      writeFileSync(f, content);
      return sh(dir, "hash-object", "-w", f);
    };
    const small = hash("hello\n");
    const big = hash(new Uint8Array(300_000).fill(120)); // more than one 64 KiB pipe chunk
    const medium = hash("x".repeat(100_000));
    const files = Array.from({ length: 2000 }, (_, i) => {
      const f = join(root, `many-${i}`);
      writeFileSync(f, `{"n": ${i}}\n`);
      return f;
    });
    const many = sh(dir, "hash-object", "-w", ...files).split("\n");
    const missing = "0123456789012345678901234567890123456789";
    const seen: Array<{ oid: string; type: string; size: number; text: string | null }> = [];
    await git.streamObjects({ dir, bare: true }, [small, big, missing, medium, ...many], 200_000, (o) =>
      seen.push({ oid: o.oid, type: o.type, size: o.size, text: o.bytes ? new TextDecoder().decode(o.bytes) : null }),
    );
    expect(seen.length).toBe(2004);
    expect(seen[0]).toEqual({ oid: small, type: "blob", size: 6, text: "hello\n" });
    expect(seen[1]).toEqual({ oid: big, type: "blob", size: 300_000, text: null });
    expect(seen[2]!.type).toBe("missing");
    expect(seen[3]!.text).toBe("x".repeat(100_000));
    expect(seen.slice(4).map((s) => s.text)).toEqual(many.map((_, i) => `{"n": ${i}}\n`));
  }, 30_000);
});

describe("diffTrees", () => {
  test("lists the direct entries two trees differ in, a subdirectory as one entry", async () => {
    const dir = join(root, "diff");
    mkdirSync(join(dir, "agents"), { recursive: true });
    sh(dir, "init", "-q");
    writeFileSync(join(dir, "agents/a.json"), "a");
    writeFileSync(join(dir, "agents/b.json"), "b");
    writeFileSync(join(dir, "registry.json"), "{}");
    sh(dir, "add", "-A");
    sh(dir, "commit", "-qm", "one");
    const one = sh(dir, "rev-parse", "HEAD");
    writeFileSync(join(dir, "agents/a.json"), "a2");
    rmSync(join(dir, "agents/b.json"));
    mkdirSync(join(dir, "agents/d.json"));
    writeFileSync(join(dir, "agents/d.json/x"), "x");
    sh(dir, "add", "-A");
    sh(dir, "commit", "-qm", "two");
    const two = sh(dir, "rev-parse", "HEAD");
    const repo = { dir, bare: false };
    const top = await git.diffTrees(repo, { commit: one }, { commit: two });
    expect(top.map((c) => [c.path, c.status])).toEqual([["agents", "M"]]);
    const agents = await git.diffTrees(repo, { commit: one, dir: "agents" }, { commit: two, dir: "agents" });
    expect(agents.map((c) => [c.path, c.status, c.oldMode, c.newMode])).toEqual([
      ["a.json", "M", "100644", "100644"],
      ["b.json", "D", "100644", "000000"],
      ["d.json", "A", "000000", "040000"],
    ]);
    await expect(git.diffTrees(repo, { commit: one, dir: "../x" }, { commit: two })).rejects.toThrow("bad tree");
  });
});
