import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateManifest } from "../manifest/parse.ts";
import type { Manifest } from "../manifest/schema.ts";
import { agentCommand } from "./agent-command.ts";
import { beamFlags, DEFAULT_BEAM } from "./beam-flags.ts";

const ELIXIR = ["/opt/elixir/lib/eex/ebin", "/opt/elixir/lib/elixir/ebin", "/opt/elixir/lib/logger/ebin", "/opt/elixir/lib/mix/ebin"];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An install dir shaped like `mix compile` output: each app's ebin with its .app (as mix writes it). */
function installDir(apps: Record<string, string[]>, opts: { boot?: boolean; consolidated?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "os-cmd-"));
  dirs.push(dir);
  for (const [app, deps] of Object.entries(apps)) {
    const ebin = join(dir, "_build", "prod", "lib", app, "ebin");
    mkdirSync(ebin, { recursive: true });
    writeFileSync(join(ebin, `${app}.app`), `{application,${app},\n  [{applications,[kernel,stdlib,elixir,\n     ${deps.join(",")}]},\n   {vsn,"0.1.0"}]}.\n`);
  }
  if (opts.boot !== false && apps.opensentience_agent_sdk) writeFileSync(join(dir, "_build/prod/lib/opensentience_agent_sdk/ebin/Elixir.OpenSentience.Boot.beam"), "");
  if (opts.consolidated) mkdirSync(join(dir, "_build/prod/lib", opts.consolidated, "consolidated"));
  return dir;
}

const ECHO = { echo_agent: ["logger", "opensentience_agent_sdk"], opensentience_agent_sdk: ["logger", "crypto"] };
const mf = (m: Partial<Manifest> = {}) => ({ entrypoint: { type: "mix" as const, task: "opensentience.agent", args: [] }, ...m }) as Manifest;
const cmd = (m: Manifest, dir: string, o: { devMode?: boolean; elixirEbins?: string[] | null } = {}) => agentCommand(m, dir, { devMode: o.devMode ?? false, elixirEbins: o.elixirEbins === undefined ? ELIXIR : o.elixirEbins });

describe("agentCommand: compiled launch", () => {
  test("a built mix agent runs erl over its ebin dirs and Elixir's (not Mix's), booting through the SDK", () => {
    const dir = installDir(ECHO, { consolidated: "echo_agent" });
    const c = cmd(mf(), dir);
    expect(c.kind).toBe("compiled");
    expect(c.note).toContain("compiled");
    expect(c.argv[0]).toBe("erl");
    expect(c.argv.slice(1, 1 + beamFlags(undefined).length)).toEqual(beamFlags(undefined));
    const pa = c.argv.slice(c.argv.indexOf("-pa") + 1, c.argv.indexOf("-s"));
    const lib = join(dir, "_build/prod/lib");
    expect(pa).toEqual([join(lib, "echo_agent/consolidated"), join(lib, "echo_agent/ebin"), join(lib, "opensentience_agent_sdk/ebin"), ...ELIXIR.filter((e) => !e.includes("/mix/"))]);
    expect(c.argv.slice(c.argv.indexOf("-s"))).toEqual(["-s", "Elixir.OpenSentience.Boot", "agent", "echo_agent"]);
    expect(c.argv).toContain("-noshell");
  });

  test("--agent names the module; mix_run boots the application only", () => {
    const dir = installDir(ECHO);
    for (const args of [["--agent", "EchoAgent.Main"], ["--agent=EchoAgent.Main"]]) {
      expect(cmd(mf({ entrypoint: { type: "mix", task: "opensentience.agent", args } }), dir).argv.slice(-4)).toEqual(["Elixir.OpenSentience.Boot", "agent", "echo_agent", "Elixir.EchoAgent.Main"]);
    }
    expect(cmd(mf({ entrypoint: { type: "mix_run", args: [] } }), dir).argv.slice(-3)).toEqual(["Elixir.OpenSentience.Boot", "app", "echo_agent"]);
  });

  test("the manifest's runtime.beam settings replace the defaults", () => {
    const dir = installDir(ECHO);
    const argv = cmd(mf({ runtime: { beam: { schedulers: 2, max_processes: 100_000, allocators: "default", busy_wait: true } } }), dir).argv;
    expect(argv.join(" ")).toContain("+S 2:2");
    expect(argv.join(" ")).toContain("+P 100000");
    expect(argv).not.toContain("+MMmcs");
    expect(argv).not.toContain("+sbwt");
  });

  test("application and directory names that are not plain atoms never reach argv", () => {
    const dir = installDir({ ...ECHO, "-eval": [] as string[] });
    mkdirSync(join(dir, "_build/prod/lib/+S"), { recursive: true });
    const c = cmd(mf(), dir);
    expect(c.kind).toBe("compiled");
    expect(c.argv.some((a) => a.includes("-eval") || a.endsWith("/+S/ebin"))).toBe(false);
  });
});

describe("agentCommand: falls back to mix, and says why", () => {
  const cases: Array<[string, () => { m: Manifest; dir: string; devMode?: boolean; elixirEbins?: string[] | null }, string]> = [
    ["the manifest asks for mix", () => ({ m: mf({ runtime: { launch: "mix" } }), dir: installDir(ECHO) }), "manifest asks"],
    ["dev mode (mix recompiles)", () => ({ m: mf(), dir: installDir(ECHO), devMode: true }), "dev mode"],
    ["another mix task", () => ({ m: mf({ entrypoint: { type: "mix", task: "my.task", args: [] } }), dir: installDir(ECHO) }), "my.task"],
    ["arguments only mix understands", () => ({ m: mf({ entrypoint: { type: "mix", task: "opensentience.agent", args: ["--agent", "lower.case"] } }), dir: installDir(ECHO) }), "arguments"],
    ["mix run with a script", () => ({ m: mf({ entrypoint: { type: "mix_run", args: ["priv/start.exs"] } }), dir: installDir(ECHO) }), "arguments"],
    ["no build output", () => ({ m: mf(), dir: mkdtempSync(join(tmpdir(), "os-cmd-")) }), "no build output"],
    ["an SDK without OpenSentience.Boot", () => ({ m: mf(), dir: installDir(ECHO, { boot: false }) }), "OpenSentience.Boot"],
    ["no SDK in the build", () => ({ m: mf(), dir: installDir({ echo_agent: ["logger"] }) }), "no opensentience_agent_sdk"],
    ["two top-level applications", () => ({ m: mf(), dir: installDir({ ...ECHO, other: ["opensentience_agent_sdk"] }) }), "cannot tell"],
    ["Elixir not found", () => ({ m: mf(), dir: installDir(ECHO), elixirEbins: null }), "Elixir's lib"],
  ];
  for (const [name, setup, why] of cases) {
    test(name, () => {
      const s = setup();
      dirs.push(s.dir);
      const c = cmd(s.m, s.dir, { devMode: s.devMode, elixirEbins: s.elixirEbins });
      expect(c.kind).toBe("mix");
      expect(c.argv[0]).toBe("mix");
      expect(c.note).toStartWith("launch: mix (");
      expect(c.note).toContain(why);
    });
  }

  test("the mix command lines are those of before", () => {
    const dir = mkdtempSync(join(tmpdir(), "os-cmd-"));
    dirs.push(dir);
    expect(cmd(mf({ entrypoint: { type: "mix", task: "opensentience.agent", args: ["--agent", "A"] } }), dir).argv).toEqual(["mix", "opensentience.agent", "--agent", "A"]);
    expect(cmd(mf({ entrypoint: { type: "mix_run", args: [] } }), dir).argv).toEqual(["mix", "run", "--no-halt"]);
  });

  test("a release runs its own program, never outside the install dir", () => {
    const dir = mkdtempSync(join(tmpdir(), "os-cmd-"));
    dirs.push(dir);
    const c = cmd(mf({ entrypoint: { type: "release", path: "bin/agent", args: ["start"] } }), dir);
    expect(c).toMatchObject({ kind: "release", argv: [join(dir, "bin/agent"), "start"] });
    expect(() => cmd(mf({ entrypoint: { type: "release", path: "../x", args: [] } }), dir)).toThrow(/leaves the install directory/);
  });
});

describe("manifest runtime field (hostile input)", () => {
  const base = { manifest_version: 1, id: "com.example.lean", name: "Lean", version: "1.0.0" };
  const check = (runtime: unknown) => validateManifest({ ...base, runtime });

  test("typed, bounded settings are accepted and kept", () => {
    const r = check({ launch: "auto", beam: { schedulers: 2, dirty_io_schedulers: 2, async_threads: 4, max_ports: 8192, allocators: "minimal", busy_wait: false } });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.manifest.runtime?.beam?.schedulers).toBe(2);
  });

  test("raw flags, unknown keys, wrong types and out-of-range values are refused with the field named", () => {
    const bad: Array<[unknown, string]> = [
      [{ beam: { flags: "-eval 'os:cmd(\"id\")'" } }, "runtime.beam"],
      [{ beam: ["+S", "1"] }, "runtime.beam"],
      [{ args: ["-eval", "x"] }, "runtime"],
      [{ launch: "erl" }, "runtime.launch"],
      [{ beam: { schedulers: 0 } }, "runtime.beam.schedulers"],
      [{ beam: { schedulers: 1.5 } }, "runtime.beam.schedulers"],
      [{ beam: { schedulers: "1 -eval x" } }, "runtime.beam.schedulers"],
      [{ beam: { max_processes: 10 } }, "runtime.beam.max_processes"],
      [{ beam: { max_ports: 1e12 } }, "runtime.beam.max_ports"],
      [{ beam: { allocators: "+Mea min" } }, "runtime.beam.allocators"],
      [{ beam: { busy_wait: "yes" } }, "runtime.beam.busy_wait"],
      ["mix", "runtime"],
    ];
    for (const [runtime, path] of bad) {
      const r = check(runtime);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problems.map((p) => p.path)).toContain(path);
    }
  });

  test("defaults: one scheduler of each kind, no busy-waiting, small allocators", () => {
    expect(beamFlags(undefined)).toEqual(["+S", "1:1", "+SDcpu", "1:1", "+SDio", "1", "+A", "1", "+P", String(DEFAULT_BEAM.max_processes), "+Q", String(DEFAULT_BEAM.max_ports), "+MMmcs", "0", "+Muacul", "0", "+MHsmbcs", "32", "+MHlmbcs", "512", "+MBsmbcs", "32", "+MBlmbcs", "512", "+sbwt", "none", "+sbwtdcpu", "none", "+sbwtdio", "none"]);
    expect(beamFlags({ allocators: "minimal" })).toContain("+Mea");
  });
});
