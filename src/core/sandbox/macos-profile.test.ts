import { describe, expect, test } from "bun:test";
import { macosProfile, sbplString } from "./macos-profile.ts";
import { type SandboxContext, sandboxPlan } from "./plan.ts";

const ctx = (realpaths: Record<string, string | null> = {}): SandboxContext => ({
  agentId: "com.example.agent",
  installPath: "/Users/u/.opensentience/agents/com.example.agent/src",
  dataDir: "/Users/u/.opensentience/agents/com.example.agent/data",
  hubSocket: "/Users/u/.opensentience/run/agents.sock",
  egressSocket: "/Users/u/.opensentience/run/egress/com.example.agent.sock",
  dataHome: "/Users/u/.opensentience",
  userHome: "/Users/u",
  toolchain: ["/opt/homebrew/Cellar/erlang/27.0/lib/erlang", "/opt/homebrew/Cellar/elixir/1.17.0/lib/elixir"],
  spawnSystem: ["/usr", "/bin", "/opt/homebrew"],
  networkFiles: ["/etc/resolv.conf", "/etc/ssl"],
  runtimeExecutables: ["/opt/homebrew/Cellar/erlang/27.0/lib/erlang/erts-15.0/bin/erlexec", "/opt/homebrew/Cellar/erlang/27.0/lib/erlang/erts-15.0/bin/beam.smp"],
  symlinks: [],
  realpaths,
});

const profile = (approved: string[], real: Record<string, string | null> = {}) => macosProfile(sandboxPlan(approved, ctx(real)), { systemRead: ["/usr/lib", "/System/Library"] });

describe("macOS sandbox-exec profile", () => {
  test("default: deny by default, the toolchain and code read-only, the agent's data read-write, the hub socket, no network, exec of the runtime only", () => {
    const p = profile([]);
    const lines = p.split("\n");
    expect(lines[0]).toBe("(version 1)");
    expect(lines).toContain("(deny default)");
    expect(p).toContain('(allow file-read* (subpath "/usr/lib") (subpath "/System/Library")) ; system libraries');
    expect(p).toContain('(allow file-read* (subpath "/opt/homebrew/Cellar/erlang/27.0/lib/erlang"))');
    expect(p).toContain('(allow file-read* (subpath "/Users/u/.opensentience/agents/com.example.agent/src"))');
    expect(p).toContain('(allow file-read* file-write* (subpath "/Users/u/.opensentience/agents/com.example.agent/data"))');
    expect(p).toContain('(allow network-outbound (remote unix-socket (path-literal "/Users/u/.opensentience/run/agents.sock")))');
    expect(p).toContain("; network: none");
    expect(p).not.toMatch(/\(allow network\*\)/);
    expect(p).toContain('(allow process-exec (literal "/opt/homebrew/Cellar/erlang/27.0/lib/erlang/erts-15.0/bin/erlexec") (literal "/opt/homebrew/Cellar/erlang/27.0/lib/erlang/erts-15.0/bin/beam.smp"))');
    expect(p).not.toMatch(/^\(allow process-exec\)/m);
    // Nothing grants the user's home, the admin token or the data directory as a whole.
    expect(p).not.toContain('(subpath "/Users/u")');
    expect(p).not.toContain('(subpath "/Users/u/.opensentience")');
    expect(p).not.toContain("admin.token");
    // /usr as a whole (shells, tools) only with process:spawn.
    expect(p).not.toContain('(subpath "/usr")');
  });
  test("filesystem grants keep their order, and the masked data directory is denied after its approved parent", () => {
    const p = profile(["filesystem:read:~", "filesystem:write:/srv/out"], { "~": "/Users/u", "/srv/out": "/srv/out" });
    const grant = p.indexOf('(allow file-read* (subpath "/Users/u"))');
    const mask = p.indexOf('(deny file-read* file-write* (subpath "/Users/u/.opensentience"))');
    const own = p.indexOf('(allow file-read* file-write* (subpath "/Users/u/.opensentience/agents/com.example.agent/data"))');
    expect(grant).toBeGreaterThan(0);
    expect(mask).toBeGreaterThan(grant);
    expect(own).toBeGreaterThan(mask);
    expect(p).toContain('(allow file-read* file-write* (subpath "/srv/out"))');
  });
  test("network modes: named hosts only through the egress socket; * is the host network", () => {
    const proxy = profile(["network:egress:api.example.com"]);
    expect(proxy).toContain('(path-literal "/Users/u/.opensentience/run/egress/com.example.agent.sock")');
    expect(proxy).toContain("; network: only through the egress proxy socket (api.example.com)");
    expect(proxy).not.toMatch(/\(allow network\*\)/);
    const host = profile(["network:egress:*"]);
    expect(host).toContain("(allow network*) ; network:egress:*");
  });
  test("process:spawn: any program may run, and the system trees are readable", () => {
    const p = profile(["process:spawn"]);
    expect(p).toMatch(/^\(allow process-exec\) ; process:spawn$/m);
    expect(p).toContain('(allow file-read* (subpath "/usr"))');
  });
  test("strings are escaped; control characters are refused", () => {
    expect(sbplString('/a "b"\\c')).toBe('"/a \\"b\\"\\\\c"');
    expect(() => sbplString("/a\nb")).toThrow(/control characters/);
  });
});
