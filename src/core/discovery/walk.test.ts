import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIG_MANIFEST_BYTES, buildFixtureTree, MANIFEST, manifest, tempDir, writeManifest } from "../../../test/fixtures/foundation/tree.ts";
import { walkRoot, type WalkLimits } from "./walk.ts";

const LIMITS: WalkLimits = { maxDepth: 16, maxEntries: 2_000_000, maxManifestBytes: 262_144 };
const never = () => false;
const cleanup: string[] = [];
afterEach(() => {
  for (const d of cleanup.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tree(opts?: Parameters<typeof buildFixtureTree>[0]) {
  const t = buildFixtureTree(opts);
  cleanup.push(t.base);
  return t;
}
function dir() {
  const d = tempDir();
  cleanup.push(d);
  return d;
}

describe("walkRoot over the fixture tree", () => {
  test("finds every regular manifest in name order, skipping build/dependency directories", () => {
    const t = tree();
    const w = walkRoot(t.root, LIMITS, never);
    expect(w.rootOk).toBe(true);
    const rel = w.manifests.map((m) => m.dir.slice(t.root.length + 1));
    expect(rel).toEqual([
      "bad/bad-json",
      "bad/id-dash",
      "bad/id-dotdot",
      "bad/id-upper",
      "bad/proto-pollution",
      "bad/wrong-types",
      "git-commit",
      "hazards/big",
      "mix-marker",
      "team/tools/summarizer",
      "team/tools/summarizer-fork",
      "weather",
    ]);
    expect(rel.some((r) => r.includes("node_modules") || r.includes("_build"))).toBe(false);
  });

  test("a symlinked manifest pointing outside the root is reported and not read", () => {
    const t = tree();
    const w = walkRoot(t.root, LIMITS, never);
    expect(w.problems).toContainEqual({ path: join(t.root, "hazards/symlinked", MANIFEST), problem: "manifest is a symlink; not followed" });
    expect(w.manifests.some((m) => m.dir.includes("symlinked") || m.dir.startsWith(t.outside))).toBe(false);
  });

  test("directory symlinks (a loop, a link to the root, a link outside) are not followed and the walk terminates", () => {
    const t = tree();
    const w = walkRoot(t.root, LIMITS, never);
    expect(w.manifests.every((m) => m.dir.startsWith(`${t.root}/`) && !m.dir.includes("/hazards/loop/"))).toBe(true);
    // Each real directory is listed once: no directory is visited through a link.
    expect(w.dirsVisited).toBeLessThan(40);
  });

  test("a FIFO named like a manifest is reported, never opened (the walk does not block)", () => {
    const t = tree();
    const w = walkRoot(t.root, LIMITS, never);
    expect(w.problems).toContainEqual({ path: join(t.root, "hazards/fifo", MANIFEST), problem: "manifest is not a regular file; not read" });
  });

  test("a 5 MB manifest is reported as over the cap and its bytes are never read", () => {
    const t = tree();
    const big = walkRoot(t.root, LIMITS, never).manifests.find((m) => m.dir.endsWith("hazards/big"))!;
    expect(big.size).toBe(BIG_MANIFEST_BYTES);
    expect(big.bytes).toBeUndefined();
    expect(big.problem).toBe(`file is ${BIG_MANIFEST_BYTES} bytes, over the 262144-byte limit`);
  });

  test("isUnchanged lets a rescan skip reading a file whose stat matches", () => {
    const t = tree({ bad: false, hazards: false });
    const first = walkRoot(t.root, LIMITS, never);
    expect(first.manifests.every((m) => m.bytes instanceof Uint8Array)).toBe(true);
    const stats = new Map(first.manifests.map((m) => [m.file, `${m.mtimeMs}:${m.size}`]));
    const second = walkRoot(t.root, LIMITS, (f, mtime, size) => stats.get(f) === `${mtime}:${size}`);
    expect(second.manifests.every((m) => m.bytes === undefined && !m.problem)).toBe(true);
  });
});

describe("walkRoot: unusable roots", () => {
  test("a root that does not exist is reported as missing", () => {
    const w = walkRoot(join(dir(), "nope"), LIMITS, never);
    expect(w).toMatchObject({ rootOk: false, rootMissing: true, manifests: [] });
    expect(w.problems[0]!.problem).toBe("scan root does not exist");
  });

  test("a root that is a file is reported as unusable, not missing", () => {
    const d = dir();
    writeFileSync(join(d, "file"), "x");
    const w = walkRoot(join(d, "file"), LIMITS, never);
    expect(w).toMatchObject({ rootOk: false, rootMissing: false });
    expect(w.problems[0]!.problem).toBe("scan root unusable: not a directory");
  });

  test("a root given as a symlink to a directory is scanned (resolved once)", () => {
    const d = dir();
    writeManifest(d, "real/a", manifest("com.example.a"));
    symlinkSync(join(d, "real"), join(d, "link"));
    const w = walkRoot(join(d, "link"), LIMITS, never);
    expect(w.rootOk).toBe(true);
    expect(w.manifests.map((m) => m.dir)).toEqual([join(d, "link/a")]);
  });

  test("a root symlink to a file or a dangling one is unusable", () => {
    const d = dir();
    writeFileSync(join(d, "f"), "x");
    symlinkSync(join(d, "f"), join(d, "to-file"));
    symlinkSync(join(d, "gone"), join(d, "dangling"));
    expect(walkRoot(join(d, "to-file"), LIMITS, never).rootOk).toBe(false);
    const dangling = walkRoot(join(d, "dangling"), LIMITS, never);
    expect(dangling.rootOk).toBe(false);
    expect(dangling.problems).toHaveLength(1);
  });
});

describe("walkRoot: limits", () => {
  test("depth limit: deeper directories are reported and listed as unscanned", () => {
    const d = dir();
    writeManifest(d, "a/b/c/d", manifest("com.example.deep"));
    writeManifest(d, "a/top", manifest("com.example.top"));
    const w = walkRoot(d, { ...LIMITS, maxDepth: 2 }, never);
    expect(w.manifests.map((m) => m.dir)).toEqual([join(d, "a/top")]);
    expect(w.unscanned).toEqual([join(d, "a/b/c")]);
    expect(w.problems[0]!.problem).toContain("limits.max_scan_depth (2)");
  });

  test("entry limit: the walk stops, says so, and the root is not complete", () => {
    const d = dir();
    for (let i = 0; i < 30; i++) mkdirSync(join(d, `d${i}`, "x"), { recursive: true });
    const w = walkRoot(d, { ...LIMITS, maxEntries: 40 }, never);
    expect(w.rootOk).toBe(false);
    expect(w.problems.at(-1)!.problem).toBe("scan stopped after 40 entries (limits.max_scan_entries)");
  });
});
