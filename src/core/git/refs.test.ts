import { describe, expect, test } from "bun:test";
import { gitUrlProblem } from "../manifest/schema.ts";
import { gitConfigArgs, hardenedEnv } from "./env.ts";
import { refProblem } from "./refs.ts";

describe("refProblem", () => {
  test.each(["main", "v1.2.3", "release/2026-01", "HEAD", "feature/x_y", "a".repeat(40), "0123456789abcdef0123456789abcdef01234567"])("accepts %p", (r) => {
    expect(refProblem(r)).toBeNull();
  });
  test.each([
    "",
    "-f",
    "--upload-pack=x",
    "+main",
    "a..b",
    "main@{1}",
    "@",
    "a b",
    "a\tb",
    "a\nb",
    "a\u0001b",
    "a\u007fb",
    "x~1",
    "x^",
    "a:b",
    "a?",
    "a*",
    "a[b",
    "a\\b",
    "/main",
    "main/",
    "a//b",
    "main.",
    ".hidden",
    "a/.b",
    "x.lock",
    "a/b.lock/c",
    "x".repeat(256),
  ])("refuses %p", (r) => {
    expect(refProblem(r)).not.toBeNull();
  });
});

describe("gitUrlProblem (shared with the manifest schema)", () => {
  test.each(["--upload-pack=touch /tmp/p", "-c core.sshCommand=touch /tmp/p", "ssh://-oProxyCommand=touch /tmp/p/x", "ssh://-oProxyCommand=touch%20p/x", "ssh://user@-oProxyCommand=x/y", "ext::sh -c touch% /tmp/p", "fd::3", "git://example.com/x", "http://example.com/x"])(
    "refuses %p",
    (u) => expect(gitUrlProblem(u)).not.toBeNull(),
  );
  test.each(["https://example.com/a/b.git", "ssh://git@example.com/a/b.git", "git@example.com:a/b.git", "file:///tmp/repo"])("accepts %p", (u) => expect(gitUrlProblem(u)).toBeNull());
});

describe("hardenedEnv", () => {
  test("keeps only PATH and LANG from the parent and forces the git allowlist", () => {
    const env = hardenedEnv({
      home: "/data/home",
      parent: {
        PATH: "/bin",
        LANG: "en_US.UTF-8",
        GIT_DIR: "/evil",
        GIT_WORK_TREE: "/evil",
        GIT_CONFIG_GLOBAL: "/evil/config",
        GIT_CONFIG_COUNT: "1",
        GIT_EXEC_PATH: "/evil",
        GIT_SSH_COMMAND: "touch /tmp/p",
        GIT_TEMPLATE_DIR: "/evil/tpl",
        SSH_ASKPASS: "/evil/askpass",
        ERL_AFLAGS: "-eval evil",
        SECRET_TOKEN: "x",
        HOME: "/home/user",
      },
    });
    expect(env.PATH).toBe("/bin");
    expect(env.HOME).toBe("/data/home");
    expect(env.GIT_DIR).toBeUndefined();
    expect(env.GIT_WORK_TREE).toBeUndefined();
    expect(env.GIT_EXEC_PATH).toBeUndefined();
    expect(env.GIT_SSH_COMMAND).toBeUndefined();
    expect(env.GIT_TEMPLATE_DIR).toBeUndefined();
    expect(env.SSH_ASKPASS).toBeUndefined();
    expect(env.ERL_AFLAGS).toBeUndefined();
    expect(env.SECRET_TOKEN).toBeUndefined();
    expect(env.GIT_CONFIG_GLOBAL).toBe("/dev/null");
    expect(env.GIT_CONFIG_NOSYSTEM).toBe("1");
    expect(env.GIT_ALLOW_PROTOCOL).toBe("https:ssh:file");
    expect(env.GIT_TERMINAL_PROMPT).toBe("0");
    expect(env.GIT_ASKPASS).toBe("/bin/false");
    expect(env.GCM_INTERACTIVE).toBe("never");
    const keys = Object.keys(env).filter((k) => k.startsWith("GIT_CONFIG_KEY_")).map((k) => env[k]);
    expect(keys).toContain("core.hooksPath");
    expect(keys).toContain("submodule.recurse");
    expect(keys).toContain("protocol.allow");
    expect(Number(env.GIT_CONFIG_COUNT)).toBe(keys.length);
    expect(gitConfigArgs()).toContain("core.hooksPath=/dev/null");
  });
});
