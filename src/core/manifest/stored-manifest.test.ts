import { describe, expect, test } from "bun:test";
import { parseStoredManifest } from "./stored-manifest.ts";

const good = { manifest_version: 1, id: "com.example.ok", name: "Ok", version: "1.0.0", permissions: ["env:read:HOME"], capabilities: ["tools"] };

describe("parseStoredManifest", () => {
  test("a valid manifest comes back validated, with schema defaults, and frozen", () => {
    const m = parseStoredManifest(JSON.stringify(good))!;
    expect(m.id).toBe("com.example.ok");
    expect(m.entrypoint).toEqual({ type: "mix", task: "opensentience.agent", args: [] });
    expect(Object.isFrozen(m)).toBe(true);
    expect(Object.isFrozen(m.permissions)).toBe(true);
    expect(() => (m.permissions as string[]).push("process:spawn")).toThrow();
  });

  test("absent, not JSON, not an object, or failing the schema: null", () => {
    expect(parseStoredManifest(null)).toBeNull();
    expect(parseStoredManifest("")).toBeNull();
    expect(parseStoredManifest("{not json")).toBeNull();
    expect(parseStoredManifest("[1,2]")).toBeNull();
    expect(parseStoredManifest(JSON.stringify({ ...good, permissions: ["everything"] }))).toBeNull();
    expect(parseStoredManifest(JSON.stringify({ ...good, entrypoint: { type: "release", path: "../../bin/sh" } }))).toBeNull();
    expect(parseStoredManifest(JSON.stringify({ ...good, constructor: { x: 1 } }))).toBeNull();
  });

  test("fields outside the schema are dropped", () => {
    const m = parseStoredManifest(JSON.stringify({ ...good, trust_score: 100, x_other: 1 }))!;
    expect(Object.keys(m)).not.toContain("trust_score");
    expect(Object.keys(m)).not.toContain("x_other");
  });
});
