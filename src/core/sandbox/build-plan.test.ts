import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAppError } from "../errors.ts";
import { sandboxArgv } from "./bwrap.ts";
import { type BuildSandboxContext, buildPlan, checkLocalDep, type LocalDep, localDepPaths, stepOf } from "./build-plan.ts";
import { prepareBuildSandbox } from "./build-sandbox.ts";
import type { SandboxSupport } from "./probe.ts";

const ctx = (over: Partial<BuildSandboxContext> = {}): BuildSandboxContext => ({
  agentId: "com.example.agent",
  buildDir: "/home/u/.opensentience/agents/com.example.agent/next",
  dataHome: "/home/u/.opensentience",
  userHome: "/home/u",
  home: "/home/u/.opensentience/home",
  readOnly: ["/usr/lib/erlang", "/usr/lib/elixir", "/home/u/.opensentience/mix", "/home/u/.opensentience/hex", "/home/u/.opensentience/sdk/elixir"],
  system: ["/usr", "/etc/alternatives", "/etc/passwd"],
  networkFiles: ["/etc/resolv.conf", "/etc/ssl"],
  symlinks: [{ target: "/lib", source: "usr/lib" }],
  localDeps: [],
  allowLocalDeps: false,
  ...over,
});

const targets = (p: ReturnType<typeof buildPlan>) => p.mounts.map((m) => `${m.kind} ${m.target}`);
const visible = (p: ReturnType<typeof buildPlan>, path: string) => p.mounts.some((m) => (m.kind === "ro" || m.kind === "rw") && (path === m.target || path.startsWith(`${m.target}/`)));

describe("build plan", () => {
  test("deps.get: host network; compile: none; both may start programs and write only the build directory", () => {
    const get = buildPlan(ctx(), "deps.get");
    const compile = buildPlan(ctx(), "compile");
    expect(get.network).toEqual({ mode: "host" });
    expect(compile.network).toEqual({ mode: "none" });
    for (const p of [get, compile]) {
      expect(p.spawn).toBe(true);
      expect(p.execAllow).toEqual([]);
      expect(p.mounts.filter((m) => m.kind === "rw").map((m) => m.target)).toEqual([ctx().buildDir]);
      expect(p.env).toEqual({ HOME: ctx().home, TMPDIR: "/tmp" });
    }
    expect(targets(compile)).toEqual([
      "proc /proc",
      "dev /dev",
      "tmpfs /tmp",
      "symlink /lib",
      "ro /usr",
      "ro /etc/alternatives",
      "ro /etc/passwd",
      // /usr/lib/erlang and /usr/lib/elixir are inside /usr already
      "ro /home/u/.opensentience/mix",
      "ro /home/u/.opensentience/hex",
      "ro /home/u/.opensentience/sdk/elixir",
      "tmpfs /home/u/.opensentience/home",
      "rw /home/u/.opensentience/agents/com.example.agent/next",
    ]);
    expect(targets(get)).toContain("ro /etc/resolv.conf");
    expect(targets(compile)).not.toContain("ro /etc/resolv.conf");
  });
  test("never the admin token, the catalog, other agents, the user's home or its keys", () => {
    for (const step of ["deps.get", "compile"] as const) {
      const p = buildPlan(ctx(), step);
      for (const secret of ["/home/u/.opensentience/admin.token", "/home/u/.opensentience/catalog.db", "/home/u/.opensentience/agents/com.other/src", "/home/u/.opensentience/logs", "/home/u/.ssh/id_ed25519", "/home/u/notes.txt", "/root"]) {
        expect(visible(p, secret)).toBe(false);
      }
    }
  });
  test("the argv: bwrap with --unshare-net only for compile, no Landlock step, then mix", () => {
    const tools = { bwrap: "/usr/bin/bwrap", self: [], selfFiles: [], loader: null };
    const compile = sandboxArgv(buildPlan(ctx(), "compile"), ["mix", "compile"], ctx().buildDir, tools);
    const get = sandboxArgv(buildPlan(ctx(), "deps.get"), ["mix", "deps.get"], ctx().buildDir, tools);
    expect(compile).toContain("--unshare-net");
    expect(get).not.toContain("--unshare-net");
    for (const a of [compile, get]) {
      expect(a).not.toContain("__exec-restricted");
      expect(a).toContain("--die-with-parent");
      expect(a.slice(a.indexOf("--chdir"), a.indexOf("--chdir") + 2)).toEqual(["--chdir", ctx().buildDir]);
    }
    expect(compile.slice(-3)).toEqual(["--", "mix", "compile"]);
    expect(stepOf(["mix", "deps.get"])).toBe("deps.get");
    expect(stepOf(["mix", "compile"])).toBe("compile");
    expect(stepOf(["mix", "deps.get", "--x"])).toBe("deps.get");
    expect(stepOf(["sh", "deps.get"])).toBe("compile"); // unknown → no network
  });
});

describe("local dependencies", () => {
  test("found as text in mix.exs (path:, git: file://) and mix.lock; relative paths against the build dir", () => {
    const exs = `defp deps, do: [{:a, path: "../a"}, {:b, git: "file:///srv/b.git", branch: "main"}, {:c, path: System.get_env("X")}, {:d, path: "/abs/d/"}]`;
    const lock = `%{"e": {:git, "file:///srv/e", "abc", []}}`;
    expect(localDepPaths(exs, lock, "/w/agent")).toEqual(["/abs/d", "/srv/b.git", "/srv/e", "/w/a"]);
  });
  test("shown read-only only to local agents, only real repositories or Mix projects, never the data dir, home or /", () => {
    const base = ctx({ allowLocalDeps: true });
    const ok: LocalDep = { path: "/srv/dep", real: "/srv/dep", kind: "git" };
    expect(checkLocalDep(ok, base)).toEqual({ ok: true });
    const cases: Array<[Partial<LocalDep>, Partial<BuildSandboxContext>, RegExp]> = [
      [{}, { allowLocalDeps: false }, /only to agents whose source is on this machine/],
      [{ real: null }, {}, /does not exist/],
      [{ real: "/home/u/.ssh" }, {}, /symlink/],
      [{ path: "/", real: "/" }, {}, /whole filesystem/],
      [{ path: "/home/u/.opensentience/agents/x", real: "/home/u/.opensentience/agents/x" }, {}, /data directory/],
      [{ path: "/home", real: "/home" }, {}, /data directory|home/],
      [{ path: "/srv/notes", real: "/srv/notes", kind: "other" }, {}, /neither a git repository nor a Mix project/],
    ];
    for (const [dep, c, why] of cases) {
      const r = checkLocalDep({ ...ok, ...dep }, { ...base, ...c });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(why);
    }
    const p = buildPlan({ ...base, localDeps: [ok, { path: "/home/u/.ssh", real: "/home/u/.ssh", kind: "other" }] }, "deps.get");
    expect(targets(p)).toContain("ro /srv/dep");
    expect(visible(p, "/home/u/.ssh/id_rsa")).toBe(false);
    expect(p.refused).toEqual([{ permission: "dependency /home/u/.ssh", reason: "neither a git repository nor a Mix project" }]);
  });
});

describe("policy", () => {
  const dir = mkdtempSync(join(tmpdir(), "osbp-"));
  const deps = (policy: "required" | "auto" | "off", available: boolean) => ({
    policy,
    dataHome: join(dir, "data"),
    home: join(dir, "data", "home"),
    readOnly: [],
    userHome: join(dir, "user"),
    support: (): SandboxSupport => ({
      available,
      reason: available ? null : "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)",
      bwrap: available ? "/usr/bin/bwrap" : null,
      bwrapVersion: "0.8.0",
      landlockAbi: 0,
      toolchain: { erlangRoot: "/usr/lib/erlang", ertsBin: "/usr/lib/erlang/erts/bin", elixirRoot: "/usr/lib/elixir", mixScript: "/usr/lib/elixir/bin/mix", elixirEbins: [], libDirs: [], loader: null },
      symlinks: [],
      networkFiles: [],
      spawnSystem: ["/usr"],
      sandboxExec: null, disableUserns: true,
    }),
  });
  test("required without a sandbox refuses before anything runs", () => {
    let err: unknown;
    try {
      prepareBuildSandbox(deps("required", false), "com.x.y", dir, { allowLocalDeps: false });
    } catch (e) {
      err = e;
    }
    expect(isAppError(err) && err.code).toBe("forbidden");
    expect((err as Error).message).toContain("requires the sandbox, but bwrap is not installed");
  });
  test("auto without a sandbox builds as before, with a warning for the log, progress and result", () => {
    const b = prepareBuildSandbox(deps("auto", false), "com.x.y", dir, { allowLocalDeps: false });
    expect(b.sandboxed).toBe(false);
    expect(b.warning).toMatch(/WITHOUT the sandbox \(bwrap is not installed.*full access/);
    expect(b.notes[0]).toStartWith("# WARNING: building com.x.y WITHOUT the sandbox");
    expect(b.wrap(["mix", "compile"])).toEqual(["mix", "compile"]);
  });
  test("off never sandboxes and says so, without a warning", () => {
    const b = prepareBuildSandbox(deps("off", true), "com.x.y", dir, { allowLocalDeps: false });
    expect(b).toMatchObject({ sandboxed: false, warning: null, plans: null });
    expect(b.notes[0]).toContain("sandbox: off");
  });
  test("auto/required with a sandbox: every command wrapped; local deps from mix.exs are looked up and shown", () => {
    const dep = join(dir, "dep");
    mkdirSync(join(dep, ".git"), { recursive: true });
    const build = join(dir, "build");
    mkdirSync(build);
    writeFileSync(join(build, "mix.exs"), `[{:dep, git: "file://${dep}"}, {:nope, path: "../user"}, {:inside, path: "vendor/x"}]`);
    const b = prepareBuildSandbox(deps("required", true), "com.x.y", build, { allowLocalDeps: true });
    expect(b.sandboxed).toBe(true);
    expect(b.wrap(["mix", "deps.get"])[0]).toBe("/usr/bin/bwrap");
    expect(b.wrap(["mix", "compile"])).toContain("--unshare-net");
    expect(b.notes.join("\n")).toContain(`visible read-only: ${dep}`);
    expect(b.notes.join("\n")).toContain(`not visible: dependency ${join(dir, "user")}: does not exist`);
    expect(b.notes.join("\n")).not.toContain("vendor/x"); // inside the build directory: visible anyway
    rmSync(dir, { recursive: true, force: true });
  });
});
