import { describe, expect, test } from "bun:test";
import { allowsInvoke, approvedEnvVars, parsePermission } from "./permissions.ts";

describe("parsePermission", () => {
  test.each([
    "filesystem:read:~/Projects",
    "filesystem:write:/tmp/out",
    "filesystem:read:~",
    "network:egress:api.example.com",
    "network:egress:*.example.com:443",
    "network:egress:*",
    "process:spawn",
    "env:read:GIT_AUTHOR_NAME",
    "tool:invoke:com.example.git_commit/suggest_message",
    "tool:invoke:com.example.git_commit/*",
  ])("accepts %s", (p) => {
    expect(parsePermission(p).ok).toBe(true);
  });

  test.each([
    ["filesystem:read", "needs a path"],
    ["filesystem:read:relative/path", "absolute"],
    ["filesystem:read:/a/../etc", ".."],
    ["filesystem:exec:/bin", "read or write"],
    ["network:egress:", "host"],
    ["network:egress:a b", "host"],
    ["process:spawn:/bin/sh", "process:spawn"],
    ["env:read:OPENSENTIENCE_ADMIN", "reserved"],
    ["env:read:1BAD", "variable name"],
    ["tool:invoke:com.example.x", "<agent_id>/"],
    ["tool:invoke:../x/tool", "agent id"],
    ["tool:invoke:com.example.x/Bad", "tool name"],
    ["root:all", "unknown permission category"],
    ["env:read:A\nB", "control characters"],
  ])("rejects %j (%s)", (p, reason) => {
    const r = parsePermission(p);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});

test("rejects a permission longer than 512 characters", () => {
  expect(parsePermission(`filesystem:read:/${"x".repeat(600)}`)).toEqual({ ok: false, reason: "longer than 512 characters" });
});

test("allowsInvoke matches exact tool or agent wildcard only", () => {
  const approved = ["tool:invoke:com.a.b/t1", "tool:invoke:com.c.d/*"];
  expect(allowsInvoke(approved, "com.a.b", "t1")).toBe(true);
  expect(allowsInvoke(approved, "com.a.b", "t2")).toBe(false);
  expect(allowsInvoke(approved, "com.c.d", "anything")).toBe(true);
  expect(allowsInvoke(approved, "com.a.bx", "t1")).toBe(false);
});

test("approvedEnvVars lists env:read targets only", () => {
  expect(approvedEnvVars(["env:read:HOME", "process:spawn", "env:read:GIT_AUTHOR_NAME", "env:read:"])).toEqual(["HOME", "GIT_AUTHOR_NAME"]);
});
