import { expect, test } from "bun:test";
import { loginLocation, safeNextPath } from "./next-path.ts";

test("a same-origin path (with its query) is kept", () => {
  expect(safeNextPath("/agents/com.example.echo")).toBe("/agents/com.example.echo");
  expect(safeNextPath("/audit?agent=a.b&since=2h")).toBe("/audit?agent=a.b&since=2h");
  expect(safeNextPath("/chat/abc#m3")).toBe("/chat/abc#m3");
});

test("anything that could leave the origin is refused", () => {
  for (const bad of [
    "https://evil.example/",
    "//evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5C%5Cevil",
    "javascript:alert(1)",
    "agents",
    " /agents",
    "/agents\n",
    "/\tevil",
    "/login?next=/x",
    "/logout",
    "",
    null,
    undefined,
    `/${"a".repeat(3000)}`,
  ]) {
    const r = safeNextPath(bad);
    // "/%5C%5Cevil" is a plain path segment on this origin (percent-encoded), which is harmless.
    if (bad === "/%5C%5Cevil") expect(r).toBe("/%5C%5Cevil");
    else expect(r).toBeNull();
  }
});

test("the login redirect carries the path of a GET only", () => {
  expect(loginLocation("GET", "/agents/com.example.echo?done=enabled")).toBe(`/login?next=${encodeURIComponent("/agents/com.example.echo?done=enabled")}`);
  expect(loginLocation("GET", "/agents")).toBe("/login");
  expect(loginLocation("POST", "/actions/rescan")).toBe("/login");
  expect(loginLocation("GET", "//evil.example")).toBe("/login");
});
