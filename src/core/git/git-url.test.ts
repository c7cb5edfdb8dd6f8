import { describe, expect, test } from "bun:test";
import { gitUrlProblem, maskUrlCredentials } from "./git-url.ts";

describe("gitUrlProblem: accepted", () => {
  test.each([
    "https://example.com/a/b.git",
    "https://example.com",
    "https://example.com:8443/a/b.git",
    "https://[2001:db8::1]/a.git",
    "https://[::1]:8443/a.git",
    "https://git.example.com/a%20b.git",
    "ssh://git@example.com/a/b.git",
    "ssh://example.com/a/b.git",
    "ssh://git@example.com:2222/a/b.git",
    "ssh://git@[2001:db8::1]:22/a.git",
    "ssh://git@[::1]/a.git",
    "ssh://git.user_1@host-name.example/a.git",
    "ssh://%67it@example.com/a.git", // decodes to a plain user
    "ssh://git@example.com/~user/repo.git",
    "git@example.com:a/b.git",
    "git@example.com:-weird-but-remote-path.git", // the path goes to the remote, quoted, never to local ssh options
    "file:///tmp/repo",
  ])("%p", (u) => expect(gitUrlProblem(u)).toBeNull());
});

describe("gitUrlProblem: refused", () => {
  // [url, a fragment of the reason]
  test.each([
    // options and transports
    ["--upload-pack=touch /tmp/p", "must not start with '-'"],
    ["-c core.sshCommand=x", "must not start with '-'"],
    ["ext::sh -c touch% /tmp/p", "whitespace"],
    ["ext::sh", "transport helpers"],
    ["fd::3", "transport helpers"],
    ["git://example.com/x", "must be https://"],
    ["http://example.com/x", "must be https://"],
    // ssh option injection through the host
    ["ssh://-oProxyCommand=touch/x", "host must not start with '-'"],
    ["ssh://[-oProxyCommand=touch]/x", "host in brackets must be an IPv6 address"],
    ["ssh://[-oProxyCommand=touch]:22/x", "host in brackets must be an IPv6 address"],
    ["ssh://git@[-oProxyCommand=touch]/x", "host in brackets must be an IPv6 address"],
    ["ssh://[git@-oProxyCommand=touch]/x", "user may contain only letters"], // git would strip these brackets too
    ["ssh://[example.com]/x", "host in brackets must be an IPv6 address"],
    ["ssh://[::1/x", "unclosed '['"],
    ["ssh://%2doProxyCommand=touch%20%2ftmp%2fpwn/x", "host must not start with '-' after percent-decoding"],
    ["ssh://%2DoProxyCommand=touch/x", "host must not start with '-' after percent-decoding"],
    ["ssh://exa%20mple.com/x", "whitespace or control characters after percent-decoding"],
    ["ssh://example.com%0a/x", "whitespace or control characters after percent-decoding"],
    ["ssh://exa%2fmple.com/x", "only letters, digits"],
    ["ssh://evil%40-oProxyCommand=x/y", "only letters, digits"],
    ["ssh://%zz/x", "malformed percent-escape"],
    ["ssh://example.com", "need a path"],
    ["ssh://example.com:0/x", "port must be"],
    ["ssh://example.com:65536/x", "port must be"],
    ["ssh://example.com:22x/x", "port must be"],
    ["ssh://example.com:/x", "port must be"],
    ["ssh:///x", "host must not be empty"],
    ["ssh://example.com/x%0acommand", "control characters"],
    // ... and through the user
    ["ssh://-oProxyCommand=x@example.com/y", "user must not start with '-'"],
    ["ssh://%2doProxyCommand=x@example.com/y", "user must not start with '-' after percent-decoding"],
    ["ssh://user@-oProxyCommand=x/y", "host must not start with '-'"],
    ["ssh://us%20er@example.com/y", "whitespace"],
    // scp-like
    ["git@-oProxyCommand=x:path", "host must not start with '-'"],
    ["git@[-oProxyCommand=x]:path", "not bracketed"],
    ["git@exa mple.com:path", "whitespace"],
    // https hosts are names too
    ["https://-example.com/x", "host must not start with '-'"],
    ["https://[-x]/x", "host in brackets must be an IPv6 address"],
    ["https://example.com:99999/x", "port must be"],
  ])("%p", (u, reason) => {
    const p = gitUrlProblem(u);
    expect(p).not.toBeNull();
    expect(p!).toContain(reason);
  });
});

describe("gitUrlProblem: embedded credentials", () => {
  test.each([
    "https://user:pass@example.com/a.git",
    "https://ghp_0123456789abcdef@github.com/a/b.git", // a token as the user name
    "https://user@example.com/a.git",
    "https://user:p%40ss@example.com/a.git",
    "ssh://git:secret@example.com/a.git",
    "ssh://git:@example.com/a.git",
    "git:secret@example.com:a/b.git",
  ])("%p is refused with a pointer away from URLs", (u) => {
    const p = gitUrlProblem(u);
    expect(p).toContain("must not embed credentials");
    expect(p).toContain("ssh:// URL with a key");
    expect(p).toContain("credential");
  });

  test("an ssh user alone is not a credential", () => {
    expect(gitUrlProblem("ssh://git@example.com/a.git")).toBeNull();
    expect(gitUrlProblem("git@example.com:a.git")).toBeNull();
  });
});

describe("maskUrlCredentials (for messages and audit records about refused URLs)", () => {
  test.each([
    ["https://user:pass@example.com/a.git", "https://[REDACTED]@example.com/a.git"],
    ["https://tok3nvalue@example.com/x", "https://[REDACTED]@example.com/x"],
    ["ssh://git:secret@example.com/a.git", "ssh://git:[REDACTED]@example.com/a.git"],
    ["git:secret@example.com:a/b.git", "git:[REDACTED]@example.com:a/b.git"],
    ["ssh://git@example.com/a.git", "ssh://git@example.com/a.git"],
    ["git@example.com:a/b.git", "git@example.com:a/b.git"],
    ["https://example.com/a@b", "https://example.com/a@b"],
  ])("%p → %p", (u, masked) => expect(maskUrlCredentials(u)).toBe(masked));
});
