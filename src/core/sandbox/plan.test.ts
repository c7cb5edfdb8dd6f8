import { describe, expect, test } from "bun:test";
import { sandboxArgv } from "./bwrap.ts";
import { checkFilesystemTarget, type SandboxContext, sandboxPlan } from "./plan.ts";

const ctx = (realpaths: Record<string, string | null> = {}): SandboxContext => ({
  agentId: "com.example.agent",
  installPath: "/home/u/.opensentience/agents/com.example.agent/src",
  dataDir: "/home/u/.opensentience/agents/com.example.agent/data",
  hubSocket: "/home/u/.opensentience/run/agents.sock",
  egressSocket: "/home/u/.opensentience/run/egress/com.example.agent.sock",
  dataHome: "/home/u/.opensentience",
  userHome: "/home/u",
  toolchain: ["/usr/lib/erlang", "/usr/lib/elixir", "/usr/lib/x86_64-linux-gnu", "/home/u/.opensentience/mix"],
  spawnSystem: ["/usr", "/etc/passwd"],
  networkFiles: ["/etc/resolv.conf", "/etc/ssl"],
  runtimeExecutables: ["/usr/lib/erlang/erts/bin/erlexec", "/usr/lib/erlang/erts/bin/beam.smp"],
  symlinks: [{ target: "/lib", source: "usr/lib" }],
  realpaths,
});

const targets = (p: ReturnType<typeof sandboxPlan>) => p.mounts.map((m) => `${m.kind} ${m.target}`);

describe("the default view (no permissions)", () => {
  const p = sandboxPlan([], ctx());
  test("no network, no programs, nothing of home or the data directory but the agent's own pieces", () => {
    expect(p.network).toEqual({ mode: "none" });
    expect(p.spawn).toBe(false);
    expect(p.execAllow).toEqual(ctx().runtimeExecutables);
    expect(targets(p)).toEqual([
      "proc /proc",
      "dev /dev",
      "tmpfs /tmp",
      "symlink /lib",
      "ro /usr/lib/erlang",
      "ro /usr/lib/elixir",
      "ro /usr/lib/x86_64-linux-gnu",
      "ro /home/u/.opensentience/mix",
      "ro /home/u/.opensentience/agents/com.example.agent/src",
      "rw /home/u/.opensentience/agents/com.example.agent/data",
      "socket /home/u/.opensentience/run/agents.sock",
    ]);
    expect(p.env).toEqual({ HOME: ctx().dataDir, OPENSENTIENCE_DATA_DIR: ctx().dataDir, TMPDIR: "/tmp", PATH: "/usr/local/bin:/usr/bin:/bin" });
    expect(p.refused).toEqual([]);
  });
  test("never the admin token, the catalog, other agents or ~/.ssh", () => {
    for (const secret of ["/home/u/.opensentience/admin.token", "/home/u/.opensentience/catalog.db", "/home/u/.opensentience/agents/com.other", "/home/u/.ssh"]) {
      expect(p.mounts.some((m) => (m.kind === "ro" || m.kind === "rw") && (secret === m.target || secret.startsWith(`${m.target}/`)))).toBe(false);
    }
  });
});

describe("filesystem permissions", () => {
  test("read → read-only, write → read-write; write wins over read of the same path; ~ expands", () => {
    const p = sandboxPlan(["filesystem:read:~/notes", "filesystem:write:/srv/out", "filesystem:read:/srv/out"], ctx({ "~/notes": "/home/u/notes", "/srv/out": "/srv/out" }));
    expect(targets(p)).toContain("ro /home/u/notes");
    expect(targets(p)).toContain("rw /srv/out");
    expect(targets(p)).not.toContain("ro /srv/out");
  });
  test("a read-only grant inside a writable one stays read-only (parents are mounted first)", () => {
    const p = sandboxPlan(["filesystem:read:/srv/out/keep", "filesystem:write:/srv/out"], ctx({ "/srv/out": "/srv/out", "/srv/out/keep": "/srv/out/keep" }));
    const t = targets(p);
    expect(t.indexOf("rw /srv/out")).toBeLessThan(t.indexOf("ro /srv/out/keep"));
  });
  test("hostile and unusable targets are refused with a reason, and nothing of them is mounted", () => {
    const cases: Array<[string, Record<string, string | null>, RegExp]> = [
      ["filesystem:read:/", { "/": "/" }, /whole filesystem/],
      ["filesystem:read:/proc", { "/proc": "/proc" }, /kernel interface/],
      ["filesystem:read:/proc/1/environ", { "/proc/1/environ": "/proc/1/environ" }, /kernel interface/],
      ["filesystem:write:/sys/fs/cgroup", { "/sys/fs/cgroup": "/sys/fs/cgroup" }, /kernel interface/],
      ["filesystem:read:/dev/sda", { "/dev/sda": "/dev/sda" }, /kernel interface/],
      ["filesystem:write:~/.opensentience", { "~/.opensentience": "/home/u/.opensentience" }, /data directory/],
      ["filesystem:read:~/.opensentience/admin.token", { "~/.opensentience/admin.token": "/home/u/.opensentience/admin.token" }, /data directory/],
      ["filesystem:read:/home/u/link", { "/home/u/link": "/home/u/.ssh" }, /symlink to \/home\/u\/\.ssh/],
      ["filesystem:read:/nope", { "/nope": null }, /does not exist/],
      ["filesystem:read:/srv/../etc", {}, /must not contain \.\./],
      ["filesystem:read:relative", {}, /absolute/],
    ];
    for (const [perm, real, why] of cases) {
      const p = sandboxPlan([perm], ctx(real));
      expect(p.refused).toHaveLength(1);
      expect(p.refused[0]!.reason).toMatch(why);
      expect(p.mounts.filter((m) => m.reason.startsWith("approved"))).toEqual([]);
    }
  });
  test("a parent of the data directory is granted with the data directory masked, the agent's pieces on top", () => {
    const p = sandboxPlan(["filesystem:read:~"], ctx({ "~": "/home/u" }));
    const t = targets(p);
    expect(t).toContain("ro /home/u");
    const mask = t.indexOf("tmpfs /home/u/.opensentience");
    expect(mask).toBeGreaterThan(t.indexOf("ro /home/u"));
    for (const own of ["ro /home/u/.opensentience/mix", "ro /home/u/.opensentience/agents/com.example.agent/src", "socket /home/u/.opensentience/run/agents.sock"]) {
      expect(t.lastIndexOf(own)).toBeGreaterThan(mask);
    }
  });
  test("duplicates collapse", () => {
    const p = sandboxPlan(["filesystem:read:/srv", "filesystem:read:/srv", "filesystem:read:/srv/"], ctx({ "/srv": "/srv", "/srv/": "/srv" }));
    expect(targets(p).filter((t) => t === "ro /srv")).toHaveLength(1);
  });
  test("checkFilesystemTarget is the approve-time check too", () => {
    expect(checkFilesystemTarget("~/x", { userHome: "/home/u", dataHome: "/home/u/.opensentience", realpaths: { "~/x": "/home/u/x" } })).toEqual({ ok: true, path: "/home/u/x" });
  });
});

describe("network and process permissions", () => {
  test("named hosts → proxy mode with the socket mounted and announced; * → host network", () => {
    const p = sandboxPlan(["network:egress:API.example.com", "network:egress:*.cdn.example.com"], ctx());
    expect(p.network).toEqual({ mode: "proxy", allow: ["*.cdn.example.com", "api.example.com"] });
    expect(targets(p)).toContain("socket /home/u/.opensentience/run/egress/com.example.agent.sock");
    expect(targets(p)).toContain("ro /etc/resolv.conf");
    expect(p.env.OPENSENTIENCE_EGRESS_SOCKET).toBe(ctx().egressSocket);
    expect(sandboxPlan(["network:egress:*", "network:egress:a.example.com"], ctx()).network).toEqual({ mode: "host" });
    // The manifest grammar accepts it, the proxy does not: refused in the plan, the rest still applies.
    const odd = sandboxPlan(["network:egress:foo*.example.com", "network:egress:b.example.com"], ctx());
    expect(odd.network).toEqual({ mode: "proxy", allow: ["b.example.com"] });
    expect(odd.refused.map((r) => r.permission)).toEqual(["network:egress:foo*.example.com"]);
  });
  test("process:spawn shows the system programs and lifts the exec rule", () => {
    const p = sandboxPlan(["process:spawn"], ctx());
    expect(p.spawn).toBe(true);
    expect(p.execAllow).toEqual([]);
    expect(targets(p)).toContain("ro /usr");
    expect(targets(sandboxPlan([], ctx()))).not.toContain("ro /usr");
  });
  test("env and tool permissions change nothing in the view; unparsable ones are reported", () => {
    expect(sandboxPlan(["env:read:HOME", "tool:invoke:com.x.y/z"], ctx()).mounts).toEqual(sandboxPlan([], ctx()).mounts);
    expect(sandboxPlan(["bogus:thing"], ctx()).refused[0]!.reason).toMatch(/unknown permission category/);
  });
});

describe("argv", () => {
  const tools = { bwrap: "/usr/bin/bwrap", self: ["/opt/os"], selfFiles: ["/opt/os"], loader: "/lib/ld.so" };
  test("no spawn: namespaces, no network, the Landlock step inside bwrap, then the command", () => {
    const argv = sandboxArgv(sandboxPlan([], ctx()), ["/erts/erlexec", "-noshell"], "/work", tools);
    expect(argv[0]).toBe("/usr/bin/bwrap");
    for (const f of ["--die-with-parent", "--new-session", "--unshare-user", "--unshare-pid", "--unshare-net", "--cap-drop"]) expect(argv).toContain(f);
    const dash = argv.indexOf("--", argv.indexOf("--chdir"));
    expect(argv.slice(dash + 1, dash + 3)).toEqual(["/opt/os", "__exec-restricted"]);
    expect(argv.slice(-2)).toEqual(["/erts/erlexec", "-noshell"]);
    expect(argv.join(" ")).toContain("--allow-exec /lib/ld.so");
    expect(argv.join(" ")).toContain("--ro-bind /opt/os /opt/os");
    expect(argv.join(" ")).not.toContain("OPENSENTIENCE_TOKEN");
  });
  test("spawn + host network: no Landlock step, no --unshare-net", () => {
    const argv = sandboxArgv(sandboxPlan(["process:spawn", "network:egress:*"], ctx()), ["mix", "run"], "/work", tools);
    expect(argv).not.toContain("--unshare-net");
    expect(argv).not.toContain("__exec-restricted");
    expect(argv.slice(-3)).toEqual(["--", "mix", "run"]);
  });
});
