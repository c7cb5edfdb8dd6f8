/** `Git.lsRemote`: the commit a ref names at a real file:// remote, as `fetch` would resolve it, without fetching. */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Git } from "./git.ts";

const root = mkdtempSync(join(tmpdir(), "os-git-lsremote-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function sh(cwd: string, ...args: string[]): string {
  const r = Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, env: { PATH: process.env.PATH, HOME: root, GIT_CONFIG_NOSYSTEM: "1" } });
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
  return r.stdout.toString().trim();
}

test("branch, annotated tag (peeled), HEAD and a full id resolve; a missing ref is null; nothing is fetched", async () => {
  const repo = join(root, "src");
  mkdirSync(repo);
  sh(repo, "init", "-q");
  writeFileSync(join(repo, "a.txt"), "one\n");
  sh(repo, "add", "a.txt");
  sh(repo, "commit", "-q", "-m", "one");
  const first = sh(repo, "rev-parse", "HEAD");
  sh(repo, "tag", "-a", "v1", "-m", "release 1");
  writeFileSync(join(repo, "a.txt"), "two\n");
  sh(repo, "commit", "-q", "-am", "two");
  const second = sh(repo, "rev-parse", "HEAD");
  const url = `file://${repo}`;
  const git = new Git({ home: join(root, "git-home"), timeoutMs: 30_000 });

  expect(await git.lsRemote(url, "main")).toBe(second);
  expect(await git.lsRemote(url, "refs/heads/main")).toBe(second);
  expect(await git.lsRemote(url, "HEAD")).toBe(second);
  expect(await git.lsRemote(url, "v1")).toBe(first); // the tag object is peeled to its commit
  expect(await git.lsRemote(url, first)).toBe(first);
  expect(await git.lsRemote(url, "nope")).toBeNull();

  // The same answer fetch gives for the branch.
  const dest = join(root, "dest");
  expect(await git.cloneInto({ dir: dest, bare: false }, url, "main")).toBe(second);
});

test("a bad ref or URL is refused before git runs", async () => {
  const git = new Git({ home: join(root, "git-home"), timeoutMs: 30_000 });
  await expect(git.lsRemote("file:///x", "--upload-pack=touch /tmp/pwned")).rejects.toThrow();
  await expect(git.lsRemote("ext::sh -c touch% /tmp/pwned", "main")).rejects.toThrow();
});
