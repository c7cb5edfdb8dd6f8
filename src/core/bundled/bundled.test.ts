import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { dataPaths } from "../config/paths.ts";
import { EMBEDDED_EXAMPLES, EMBEDDED_SDK, MARKER_FILE, hasEmbeddedSdk, materializeExamples, materializeSdk, materializedSdkDir, withSdkFallback, withSdkFallbackExpr } from "./bundled.ts";
import { readTree, readTreeOfProjects, sdkVersion, treeHash } from "./read-tree.ts";

const REPO = resolve(import.meta.dir, "../../..");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "os-bundled-"));
  dirs.push(d);
  return d;
}
function put(root: string, rel: string, text: string | Uint8Array = "x"): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}
/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), base) : [join(dir, e.name).slice(base.length + 1)]))
    .sort();
}
const sdk = (files: Record<string, string>) => ({ files, hash: treeHash(files), version: sdkVersion(files["mix.exs"]) });

describe("readTree (the bundle-time reader)", () => {
  test("keeps sources; drops _build, deps, top-level test, symlinks, binaries and crash dumps", () => {
    const root = temp();
    put(root, "sdk/mix.exs", 'defmodule X do\n  @version "1.2.3"\nend\n');
    put(root, "sdk/README.md", "# sdk");
    put(root, "sdk/.formatter.exs", "[]");
    put(root, "sdk/lib/a.ex", "a");
    put(root, "sdk/lib/test/helper.ex", "nested test dir is source");
    put(root, "sdk/lib/mix/tasks/t.ex", "t");
    put(root, "sdk/test/a_test.exs", "t");
    put(root, "sdk/_build/dev/lib/a.beam", "b");
    put(root, "sdk/deps/x/mix.exs", "d");
    put(root, "sdk/lib/x.beam", "b");
    put(root, "sdk/erl_crash.dump", "c");
    put(root, "sdk/lib/bin.dat", new Uint8Array([0xff, 0xfe, 0x00]));
    symlinkSync("/etc/passwd", join(root, "sdk/lib/link.ex"));
    const t = readTree("sdk", root);
    expect(Object.keys(t.files).sort()).toEqual([".formatter.exs", "README.md", "lib/a.ex", "lib/mix/tasks/t.ex", "lib/test/helper.ex", "mix.exs"]);
    expect(sdkVersion(t.files["mix.exs"])).toBe("1.2.3");
    expect(t.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(readTree("missing", root)).toEqual({ files: {}, hash: treeHash({}) });
  });

  test("examples: one tree per project, test/ dropped per project", () => {
    const root = temp();
    put(root, "examples/README.md", "all");
    put(root, "examples/echo/mix.exs", "m");
    put(root, "examples/echo/lib/echo.ex", "e");
    put(root, "examples/echo/test/echo_test.exs", "t");
    put(root, "examples/echo/_build/x", "b");
    expect(Object.keys(readTreeOfProjects("examples", root).files).sort()).toEqual(["README.md", "echo/lib/echo.ex", "echo/mix.exs"]);
    expect(readTreeOfProjects("nope", root).files).toEqual({});
  });

  test("the hash changes with any path or content", () => {
    expect(treeHash({ a: "1" })).not.toBe(treeHash({ a: "2" }));
    expect(treeHash({ a: "1" })).not.toBe(treeHash({ b: "1" }));
    expect(treeHash({ a: "1", b: "2" })).toBe(treeHash({ b: "2", a: "1" }));
  });
});

describe("materializeSdk", () => {
  const fake = sdk({ "mix.exs": '@version "0.9.0"', "lib/a.ex": "defmodule A, do: nil", "lib/deep/b.ex": "b", "README.md": "r" });

  test("writes elixir-<version>-<hash> with 0700 dirs and 0600 files, atomically, and reuses it", () => {
    const paths = dataPaths(join(temp(), "home"));
    const dir = materializeSdk(paths, fake);
    expect(dir).toBe(join(paths.home, "sdk", `elixir-0.9.0-${fake.hash}`));
    expect(dir).toBe(materializedSdkDir(paths, fake));
    expect(listFiles(dir)).toEqual([MARKER_FILE, "README.md", "lib/a.ex", "lib/deep/b.ex", "mix.exs"]);
    expect(readFileSync(join(dir, "lib/deep/b.ex"), "utf8")).toBe("b");
    for (const d of [paths.home, join(paths.home, "sdk"), dir, join(dir, "lib"), join(dir, "lib/deep")]) expect(statSync(d).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "mix.exs")).mode & 0o777).toBe(0o600);
    // No temp directories left beside it.
    expect(readdirSync(join(paths.home, "sdk"))).toEqual([`elixir-0.9.0-${fake.hash}`]);

    const ino = statSync(join(dir, "mix.exs")).ino;
    expect(materializeSdk(paths, fake)).toBe(dir);
    expect(statSync(join(dir, "mix.exs")).ino).toBe(ino); // not rewritten
  });

  test("a new SDK version goes to a new directory; a damaged copy is replaced", () => {
    const paths = dataPaths(join(temp(), "home"));
    const first = materializeSdk(paths, fake);
    const next = sdk({ ...fake.files, "lib/a.ex": "changed" });
    const second = materializeSdk(paths, next);
    expect(second).not.toBe(first);
    expect(readFileSync(join(second, "lib/a.ex"), "utf8")).toBe("changed");
    rmSync(join(second, MARKER_FILE));
    rmSync(join(second, "lib/a.ex"));
    expect(materializeSdk(paths, next)).toBe(second);
    expect(readFileSync(join(second, "lib/a.ex"), "utf8")).toBe("changed");
  });

  test("a build without an SDK says how to point at one", () => {
    const paths = dataPaths(join(temp(), "home"));
    expect(hasEmbeddedSdk(sdk({}))).toBe(false);
    expect(() => materializeSdk(paths, sdk({}))).toThrow("OPENSENTIENCE_SDK_PATH");
  });

  test("unsafe embedded paths are refused and leave nothing behind", () => {
    const paths = dataPaths(join(temp(), "home"));
    expect(() => materializeSdk(paths, sdk({ "mix.exs": "m", "../escape.ex": "x" }))).toThrow("unsafe path");
    expect(readdirSync(join(paths.home, "sdk"))).toEqual([]);
  });
});

describe("materializeExamples", () => {
  const examples = { files: { "README.md": "all", "echo/mix.exs": "m", "echo/lib/echo.ex": "e", "slow/mix.exs": "s" }, hash: "x" };

  test("writes each example; never overwrites an existing one", () => {
    const target = join(temp(), "examples");
    const first = materializeExamples(target, examples);
    expect(first).toEqual({ written: [join(target, "echo"), join(target, "slow")], skipped: [] });
    expect(listFiles(target)).toEqual(["README.md", "echo/lib/echo.ex", "echo/mix.exs", "slow/mix.exs"]);
    writeFileSync(join(target, "echo/mix.exs"), "mine");
    const second = materializeExamples(target, examples);
    expect(second).toEqual({ written: [], skipped: [join(target, "echo"), join(target, "slow")] });
    expect(readFileSync(join(target, "echo/mix.exs"), "utf8")).toBe("mine");
  });
});

describe("withSdkFallback", () => {
  test("points an example's mix.exs at the given SDK; nothing else changes", () => {
    const mix = 'defp deps do\n  [{:opensentience_agent_sdk,\n    path: System.get_env("OPENSENTIENCE_SDK_PATH") || "../../sdk/elixir"}]\nend\n';
    expect(withSdkFallback(mix, '/data/sdk/elixir-1 "x" #{y}')).toBe(mix.replace('"../../sdk/elixir"', '"/data/sdk/elixir-1 \\"x\\" \\#{y}"'));
    expect(withSdkFallback("no deps here", "/x")).toBe("no deps here");
    expect(withSdkFallbackExpr(mix, 'Path.expand("sdk/elixir", "~/.x")')).toBe(mix.replace('"../../sdk/elixir"', 'Path.expand("sdk/elixir", "~/.x")'));
  });

  test("materializeExamples rewrites mix.exs only when asked", () => {
    const target = join(temp(), "ex");
    const files = { "echo/mix.exs": 'path: System.get_env("OPENSENTIENCE_SDK_PATH") || "../../sdk/elixir"', "echo/lib/e.ex": '"../../sdk/elixir"' };
    materializeExamples(target, { files, hash: "h" }, { sdkPath: "/sdk" });
    expect(readFileSync(join(target, "echo/mix.exs"), "utf8")).toBe('path: System.get_env("OPENSENTIENCE_SDK_PATH") || "/sdk"');
    expect(readFileSync(join(target, "echo/lib/e.ex"), "utf8")).toBe('"../../sdk/elixir"');
  });
});

describe("what this build embeds (the real sdk/ and examples/)", () => {
  const sourceHas = (rel: string) => existsSync(join(REPO, rel));

  test("the SDK's mix.exs and lib/ are embedded when the checkout has them; never _build, deps or test", () => {
    const keys = Object.keys(EMBEDDED_SDK.files);
    for (const k of keys) expect(k).not.toMatch(/^(_build|deps|test)\//);
    if (!sourceHas("sdk/elixir/mix.exs")) return; // sdk/ not written yet in this checkout
    expect(keys).toContain("mix.exs");
    const libFiles = listFiles(join(REPO, "sdk/elixir/lib")).map((f) => `lib/${f}`);
    expect(libFiles.length).toBeGreaterThan(0);
    for (const f of libFiles) expect(keys).toContain(f);
    expect(EMBEDDED_SDK.version).toMatch(/^\d+\.\d+\.\d+/);

    const dir = materializeSdk(dataPaths(join(temp(), "home")));
    expect(readFileSync(join(dir, "mix.exs"), "utf8")).toBe(readFileSync(join(REPO, "sdk/elixir/mix.exs"), "utf8"));
    for (const f of libFiles) expect(existsSync(join(dir, f))).toBe(true);
  });

  test("examples are embedded per project without _build, deps or test", () => {
    for (const k of Object.keys(EMBEDDED_EXAMPLES.files)) expect(k).not.toMatch(/^[^/]+\/(_build|deps|test)\//);
    if (!sourceHas("examples")) return;
    const projects = readdirSync(join(REPO, "examples"), { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(REPO, "examples", e.name, "mix.exs")));
    for (const p of projects) expect(Object.keys(EMBEDDED_EXAMPLES.files)).toContain(`${p.name}/mix.exs`);
  });
});
