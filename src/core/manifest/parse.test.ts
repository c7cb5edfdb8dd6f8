import { describe, expect, test } from "bun:test";
import { fixtureManifest, manifest } from "../../../test/fixtures/foundation/tree.ts";
import { findForbiddenKey, parseManifestBytes, validateManifest } from "./parse.ts";
import { MAX_MANIFEST_BYTES } from "./schema.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const parse = (s: string) => parseManifestBytes(bytes(s));
const problemsOf = (r: ReturnType<typeof parse>) => (r.ok ? [] : r.problems);

describe("parseManifestBytes: valid input", () => {
  test("the design-doc example parses; defaults filled; self-declared trust ignored; unknown fields kept aside", () => {
    const text = JSON.stringify(
      manifest("com.example.git_commit", { verification: { level: "verified" }, trust_score: 1, x_color: "teal" }),
    );
    const r = parse(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.manifest.id).toBe("com.example.git_commit");
    expect(r.manifest.entrypoint).toEqual({ type: "mix", task: "opensentience.agent", args: [] });
    expect(r.manifest.permissions).toEqual([]);
    expect(r.ignored.sort()).toEqual(["trust_score", "verification"]);
    expect(r.extra).toEqual({ x_color: "teal" });
    expect("verification" in r.manifest).toBe(false);
    expect("x_color" in r.manifest).toBe(false);
  });

  test("minimal fixture is valid", () => {
    expect(parse(fixtureManifest("valid-minimal")).ok).toBe(true);
  });
});

describe("parseManifestBytes: hostile and malformed input is a problem list, never a throw", () => {
  test("bad JSON names the file-level problem", () => {
    const r = parse(fixtureManifest("bad-json"));
    expect(r.ok).toBe(false);
    expect(problemsOf(r)[0]!.path).toBe("(file)");
    expect(problemsOf(r)[0]!.message).toStartWith("not valid JSON");
  });

  test("wrong types: every wrong field is named; the well-formed id is still extracted", () => {
    const r = parse(fixtureManifest("wrong-types"));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.problems.map((p) => p.path);
    for (const p of ["manifest_version", "name", "version", "capabilities", "permissions[0]", "tool_summary"]) expect(paths).toContain(p);
    expect(r.id).toBe("com.example.wrong_types");
  });

  test("__proto__ / constructor keys: rejected with a clear problem and no prototype pollution", () => {
    const r = parse(fixtureManifest("proto-pollution"));
    expect(r.ok).toBe(false);
    expect(problemsOf(r)[0]!.path).toBe("__proto__");
    expect(problemsOf(r)[0]!.message).toContain("prototype pollution");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();

    const nested = parse(JSON.stringify(manifest("com.example.n", { publisher: { name: "x" } })).replace('"name":"x"', '"name":"x","constructor":{"prototype":{"polluted":1}}'));
    expect(nested.ok).toBe(false);
    expect(problemsOf(nested)[0]!.path).toBe("publisher.constructor");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("__proto__ inside an array element is found", () => {
    expect(findForbiddenKey(JSON.parse('{"a":[1,{"__proto__":{}}]}'))).toBe("a[1].__proto__");
  });

  test("unknown fields never carry a prototype into `extra`", () => {
    const raw = JSON.parse(`{"manifest_version":1,"id":"com.example.x","name":"X","version":"1.0.0","x_meta":{"k":1}}`);
    const r = validateManifest(raw);
    expect(r.ok).toBe(true);
    if (r.ok) expect(Object.getPrototypeOf(r.extra)).toBe(Object.prototype);
  });

  test("a document nested deeper than 64 levels is refused, not recursed without bound", () => {
    const deep = `${'{"a":'.repeat(200)}1${"}".repeat(200)}`;
    const r = parse(deep);
    expect(r.ok).toBe(false);
    expect(problemsOf(r)[0]!.message).toContain("too deep");
  });

  test.each([
    ["id-dotdot", "../../x"],
    ["id-dash", "-rf"],
    ["id-upper", "A.B"],
  ])("hostile id %s (%s) is rejected and never becomes the listing id", (name, id) => {
    const r = parse(fixtureManifest(name));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.id).toBeNull();
    expect(r.problems).toContainEqual({ path: "id", message: expect.stringContaining("reverse-DNS") });
    expect(JSON.parse(fixtureManifest(name)).id).toBe(id);
  });

  test.each(["a", "com", "com..x", "com.x/y", "com.x ", ".com.x", `com.${"a".repeat(130)}`, "com.x\u0000"])("id %j is rejected", (id) => {
    expect(validateManifest(manifest(id)).ok).toBe(false);
  });

  test.each(["com.example.a", "io.x-y.z_1", "a.b"])("id %j is accepted", (id) => {
    expect(validateManifest(manifest(id)).ok).toBe(true);
  });

  test("over the size cap: reported with the size, without decoding", () => {
    const big = new Uint8Array(5 * 1024 * 1024).fill(0x20);
    const r = parseManifestBytes(big);
    expect(r.ok).toBe(false);
    expect(problemsOf(r)[0]!.message).toBe(`file is ${big.byteLength} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`);
  });

  test("invalid UTF-8, non-object roots and empty input", () => {
    expect(problemsOf(parseManifestBytes(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))[0]!.message).toBe("not valid UTF-8");
    for (const s of ["[]", "null", "42", '"str"']) expect(problemsOf(parse(s))[0]).toEqual({ path: "(root)", message: "must be a JSON object" });
    expect(problemsOf(parse(""))[0]!.message).toStartWith("not valid JSON");
  });

  test.each([
    ["source.git_url", { source: { git_url: "-uhttps://x" } }],
    ["source.git_url", { source: { git_url: "ext::sh -c touch% /tmp/pwned" } }],
    ["source.git_url", { source: { git_url: "http://insecure.example/x.git" } }],
    ["permissions[0]", { permissions: ["filesystem:read:/etc/../root"] }],
    ["permissions[0]", { permissions: ["env:read:OPENSENTIENCE_TOKEN"] }],
    ["permissions[0]", { permissions: ["shell:exec"] }],
    ["entrypoint.path", { entrypoint: { type: "release", path: "../../bin/sh" } }],
    ["entrypoint.task", { entrypoint: { type: "mix", task: "deps.get; rm -rf /" } }],
    ["name", { name: "evil\u001b[2Jname" }],
    ["version", { version: "latest" }],
    ["docs_url", { docs_url: "javascript:alert(1)" }],
    ["capabilities[0]", { capabilities: ["Tools!"] }],
    ["tool_summary[0].name", { tool_summary: [{ name: "Bad-Name" }] }],
    ["execution_limits.timeout_ms", { execution_limits: { timeout_ms: -1 } }],
  ])("field %s with a hostile value is reported at its path", (path, extra) => {
    const r = validateManifest(manifest("com.example.x", extra));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.path)).toContain(path);
  });

  test.each([
    ["", "it is empty"],
    ["   ", "it is empty"],
    ["/usr/bin/env", "not an absolute path"],
    ["bin/../../../bin/sh", "'..' is not allowed"],
    ["..", "'..' is not allowed"],
    [".", "not a directory"],
    ["bin/", "not a directory"],
    ["bin/agent\u0007", "control characters"],
  ])("release entrypoint.path %j is refused at validation, with a clear message", (path, message) => {
    const r = validateManifest(manifest("com.example.x", { entrypoint: { type: "release", path } }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toContainEqual({ path: "entrypoint.path", message: expect.stringContaining(message) });
  });

  test.each(["bin/agent", "_build/prod/rel/my_agent/bin/my_agent", "./bin/agent"])("release entrypoint.path %j is accepted", (path) => {
    expect(validateManifest(manifest("com.example.x", { entrypoint: { type: "release", path } })).ok).toBe(true);
  });

  test("problems are capped at 50", () => {
    const r = validateManifest(manifest("com.example.x", { keywords: Array.from({ length: 32 }, () => 1), capabilities: Array.from({ length: 32 }, () => 1), integration_points: Array.from({ length: 32 }, () => 1) }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.length).toBe(50);
  });
});
