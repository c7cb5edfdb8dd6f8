import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateManifest } from "../manifest/parse.ts";
import { MANIFEST_FILENAME } from "../manifest/schema.ts";
import { agentNames, elixirString } from "./names.ts";
import { MARKER_FILE } from "../bundled/bundled.ts";
import { dataPaths } from "../config/paths.ts";
import { scaffoldAgent } from "./scaffold.ts";
import { linkStableSdk, sdkFallbackFor } from "./sdk-link.ts";
import { manifestFor, scaffoldFiles } from "./templates.ts";
import { unknownFields, validateManifestFile } from "./validate.ts";
import { manifestSchema } from "../manifest/schema.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "os-scaffold-"));
  dirs.push(d);
  return d;
}

describe("names", () => {
  test("derived from NAME", () => {
    expect(agentNames("my-agent")).toEqual({ dir: "my-agent", app: "my_agent", module: "MyAgent", id: "local.my-agent", title: "My Agent" });
    expect(agentNames("notes2_sync")).toMatchObject({ app: "notes2_sync", module: "Notes2Sync", id: "local.notes2_sync" });
    expect(agentNames("x", "com.example.x").id).toBe("com.example.x");
  });

  test.each(["", "My-Agent", "1agent", "-agent", "agent-", "my--agent", "my agent", "../x", "a/b", "é", "a".repeat(65)])("refuses NAME %j", (name) => {
    expect(() => agentNames(name)).toThrow("invalid agent name");
  });

  test("suggests a fixed name", () => {
    expect(() => agentNames("My Agent")).toThrow("(e.g. my-agent)");
  });

  test.each(["agent", "task", "string", "mix", "logger", "kernel", "open-sentience", "opensentience_agent_sdk"])("refuses %j: clashes with Elixir/OTP", (name) => {
    expect(() => agentNames(name)).toThrow("clashes with Elixir's own");
  });

  test("refuses a bad --id", () => {
    expect(() => agentNames("ok", "NoDots")).toThrow("invalid --id");
    expect(() => agentNames("ok", "com.example/../x")).toThrow("invalid --id");
  });

  test("Elixir string literals cannot interpolate or break out", () => {
    expect(elixirString('/a "b" #{c} \\d')).toBe('"/a \\"b\\" \\#{c} \\\\d"');
  });
});

describe("templates", () => {
  test("the manifest passes the real validator, and names the tool the module defines", () => {
    const n = agentNames("my-agent");
    const r = validateManifest(manifestFor(n));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.manifest).toMatchObject({ id: "local.my-agent", entrypoint: { type: "mix", task: "opensentience.agent" }, tool_summary: [{ name: "greet" }] });
    expect(r.extra).toEqual({});
    const files = scaffoldFiles(n, { kind: "data_dir" });
    expect(Object.keys(files).sort()).toEqual([".formatter.exs", ".gitignore", "README.md", "lib/my_agent.ex", "lib/my_agent/tools/greet.ex", "mix.exs", MANIFEST_FILENAME, "test/my_agent_test.exs", "test/test_helper.exs"].sort());
    expect(files["mix.exs"]).toContain("[{:opensentience_agent_sdk, path: sdk_path()}]");
    expect(files["mix.exs"]).toContain('default = Path.expand("sdk/elixir", System.get_env("OPENSENTIENCE_HOME", "~/.opensentience"))\n    path = System.get_env("OPENSENTIENCE_SDK_PATH", default)');
    // No path of the machine that made it.
    for (const text of Object.values(files)) expect(text).not.toMatch(/"\/(home|root|tmp|opt|work)\//);
    expect(scaffoldFiles(n, { kind: "relative", path: "../../sdk/elixir" })["mix.exs"]).toContain('default = Path.expand("../../sdk/elixir", __DIR__)');
    expect(files["mix.exs"]).toContain("app: :my_agent,");
    expect(files["lib/my_agent.ex"]).toContain("use OpenSentience.Agent, tools: [MyAgent.Tools.Greet]");
    expect(files["lib/my_agent/tools/greet.ex"]).toContain("use OpenSentience.Tool,");
    expect(files["lib/my_agent/tools/greet.ex"]).toContain('"Hello, #{name}!"');
    expect(files["test/my_agent_test.exs"]).toContain("OpenSentience.Testing");
    // Every declared tool, not one by name.
    expect(files["test/my_agent_test.exs"]).toContain("Testing.check_tool_summary(MyAgent,");
    expect(files["test/my_agent_test.exs"]).toContain("for tool <- tools do");
  });
});

describe("scaffoldAgent", () => {
  test("writes the project; refuses to overwrite an existing directory", () => {
    const parent = join(temp(), "projects");
    const r = scaffoldAgent({ name: "notes", parentDir: parent, sdkPath: "/opt/sdk" });
    expect(r.path).toBe(join(parent, "notes"));
    expect(readdirSync(parent)).toEqual(["notes"]); // no temp dir left over
    expect(readFileSync(join(r.path, "mix.exs"), "utf8")).not.toContain("/opt/sdk");
    expect(r.sdk_fallback).toEqual({ kind: "data_dir" });
    expect(r.files).toContain("lib/notes/tools/greet.ex");
    for (const f of r.files) expect(existsSync(join(r.path, f))).toBe(true);

    writeFileSync(join(r.path, "mix.exs"), "mine");
    expect(() => scaffoldAgent({ name: "notes", parentDir: parent, sdkPath: "/opt/sdk" })).toThrow("already exists");
    expect(readFileSync(join(r.path, "mix.exs"), "utf8")).toBe("mine");
    mkdirSync(join(parent, "empty"));
    expect(() => scaffoldAgent({ name: "empty", parentDir: parent, sdkPath: "/opt/sdk" })).toThrow("already exists");
  });

  test("a bad name writes nothing", () => {
    const parent = temp();
    expect(() => scaffoldAgent({ name: "Bad", parentDir: parent, sdkPath: "/x" })).toThrow();
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe("sdk fallback", () => {
  test("relative inside a checkout (<root>/sdk/elixir, not a written-out copy); the data dir elsewhere", () => {
    const root = temp();
    const sdk = join(root, "sdk", "elixir");
    mkdirSync(sdk, { recursive: true });
    writeFileSync(join(sdk, "mix.exs"), "");
    expect(sdkFallbackFor(join(root, "examples", "mine"), sdk)).toEqual({ kind: "relative", path: "../../sdk/elixir" });
    expect(sdkFallbackFor(join(root, "a", "b", "c"), sdk)).toEqual({ kind: "relative", path: "../../../sdk/elixir" });
    expect(sdkFallbackFor(join(temp(), "mine"), sdk)).toEqual({ kind: "data_dir" });
    writeFileSync(join(sdk, MARKER_FILE), "{}"); // a copy written out of the binary moves with releases: never relative
    expect(sdkFallbackFor(join(root, "examples", "mine"), sdk)).toEqual({ kind: "data_dir" });
  });

  test("the stable link: made, kept when current, moved atomically, the user's directory or link left alone", () => {
    const home = temp();
    const paths = dataPaths(home);
    mkdirSync(join(home, "sdk"), { recursive: true });
    const a = join(home, "sdk", "elixir-1-a");
    const b = join(home, "sdk", "elixir-2-b");
    expect(linkStableSdk(paths, a)).toEqual({ path: join(home, "sdk", "elixir"), target: a, state: "linked" });
    expect(readlinkSync(join(home, "sdk", "elixir"))).toBe(a);
    expect(linkStableSdk(paths, a).state).toBe("current");
    expect(linkStableSdk(paths, b).state).toBe("linked");
    expect(readlinkSync(join(home, "sdk", "elixir"))).toBe(b);
    expect(readdirSync(join(home, "sdk")).filter((f) => f.startsWith("."))).toEqual([]); // no temp link left
    // A link to elsewhere is the user's; a dangling one is moved.
    const mine = join(home, "my-sdk");
    mkdirSync(mine);
    rmSync(join(home, "sdk", "elixir"));
    symlinkSync(mine, join(home, "sdk", "elixir"));
    expect(linkStableSdk(paths, a)).toEqual({ path: join(home, "sdk", "elixir"), target: mine, state: "own" });
    rmSync(mine, { recursive: true });
    expect(linkStableSdk(paths, a).state).toBe("linked");
    rmSync(join(home, "sdk", "elixir"));
    mkdirSync(join(home, "sdk", "elixir"));
    expect(linkStableSdk(paths, a)).toEqual({ path: join(home, "sdk", "elixir"), target: join(home, "sdk", "elixir"), state: "own" });
  });
});

describe("validateManifestFile", () => {
  const write = (dir: string, content: unknown) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, MANIFEST_FILENAME), typeof content === "string" ? content : JSON.stringify(content));
    return dir;
  };

  test("a scaffolded project is valid with no warnings", () => {
    const r = scaffoldAgent({ name: "fresh", parentDir: temp(), sdkPath: "/x" });
    expect(validateManifestFile(r.path)).toEqual({ file: join(r.path, MANIFEST_FILENAME), valid: true, id: "local.fresh", version: "0.1.0", problems: [], warnings: [] });
  });

  test("every problem with its JSON path", () => {
    const dir = write(join(temp(), "bad"), { manifest_version: 2, id: "Bad Id", name: "", version: "1.0", permissions: ["filesystem:read:relative", "nope"], tool_summary: [{ name: "Bad" }] });
    const r = validateManifestFile(dir);
    expect(r.valid).toBe(false);
    expect(r.problems.map((p) => p.path).sort()).toEqual(["id", "manifest_version", "name", "permissions[0]", "permissions[1]", "tool_summary[0].name", "version"]);
    for (const p of r.problems) expect(p.message.length).toBeGreaterThan(0);
  });

  test("more than 50 problems are all listed", () => {
    const dir = write(join(temp(), "many"), { manifest_version: 1, id: "a.b", name: "n", version: "1.0.0", keywords: Array.from({ length: 30 }, () => 1), capabilities: Array.from({ length: 30 }, () => "UPPER") });
    const r = validateManifestFile(dir);
    expect(r.problems.length).toBeGreaterThanOrEqual(60);
  });

  test("warnings: self-declared trust, unknown fields at any depth, no mix.exs", () => {
    const dir = write(join(temp(), "warn"), {
      manifest_version: 1,
      id: "com.example.w",
      name: "W",
      version: "1.0.0",
      verification: { level: "verified" },
      trust_score: 1,
      homepage: "x",
      entrypoint: { type: "mix", taks: "typo" },
      tool_summary: [{ name: "t", descripton: "typo" }],
      execution_limits: { timeout: 5 },
    });
    const r = validateManifestFile(dir);
    expect(r.valid).toBe(true);
    expect(r.warnings.map((w) => w.path)).toEqual(["verification", "trust_score", "homepage", "entrypoint.taks", "tool_summary[0].descripton", "execution_limits.timeout", "entrypoint"]);
    expect(r.warnings[0]!.message).toContain("registry");
    expect(r.warnings.at(-1)!.message).toContain("no mix.exs");
  });

  test("unknownFields follows unions and defaults", () => {
    expect(unknownFields({ type: "release", path: "bin/x", args: [], extra: 1 }, [manifestSchema.shape.entrypoint], ["entrypoint"])).toEqual(["entrypoint.extra"]);
    expect(unknownFields(["a"], [manifestSchema.shape.keywords], ["keywords"])).toEqual([]);
  });

  test("broken files: JSON, UTF-8, size, missing, a file path works too", () => {
    const base = temp();
    expect(validateManifestFile(write(join(base, "json"), "{ nope")).problems[0]!.message).toContain("not valid JSON");
    mkdirSync(join(base, "utf"));
    writeFileSync(join(base, "utf", MANIFEST_FILENAME), new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(validateManifestFile(join(base, "utf")).problems[0]!.message).toBe("not valid UTF-8");
    const big = write(join(base, "big"), `{"x":"${"a".repeat(300_000)}"}`);
    expect(validateManifestFile(big).problems[0]!.message).toMatch(/over the 262144-byte limit/);
    expect(() => validateManifestFile(join(base, "nothing"))).toThrow("does not exist");
    mkdirSync(join(base, "empty"));
    expect(() => validateManifestFile(join(base, "empty"))).toThrow(`no ${MANIFEST_FILENAME}`);
    const proto = write(join(base, "proto"), '{"__proto__": {"x": 1}, "manifest_version": 1}');
    expect(validateManifestFile(join(proto, MANIFEST_FILENAME)).problems[0]!.path).toBe("__proto__");
  });
});
