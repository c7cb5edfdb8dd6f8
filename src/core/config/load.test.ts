import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { tempDir } from "../../../test/fixtures/foundation/tree.ts";
import { AppError } from "../errors.ts";
import { ensureDataDir, loadConfig } from "./load.ts";
import { dataPaths, expandHome, resolveHome } from "./paths.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function home(config?: string): string {
  const d = tempDir();
  dirs.push(d);
  const h = join(d, "home");
  if (config !== undefined) {
    mkdirSync(h, { mode: 0o700 });
    writeFileSync(join(h, "config.json"), config);
  }
  return h;
}
/** Loads and returns the error, failing the test if none is thrown. */
function configError(config: string, env: Record<string, string> = {}): AppError {
  const h = home(config);
  try {
    loadConfig({ env: { OPENSENTIENCE_HOME: h, ...env } });
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error("expected loadConfig to fail");
}

describe("loadConfig", () => {
  test("no config file: defaults, data dir created 0700, sources say default", () => {
    const h = home();
    const c = loadConfig({ env: { OPENSENTIENCE_HOME: h } });
    expect(statSync(h).mode & 0o777).toBe(0o700);
    expect(c.paths).toEqual(dataPaths(h));
    expect(c.port).toBe(6767);
    expect(c.host).toBe("127.0.0.1");
    expect(c.scanRoots).toEqual([join(homedir(), "Projects"), join(h, "agents")]);
    expect(c.limits.max_manifest_bytes).toBe(262_144);
    expect(c.sources).toMatchObject({ scan_roots: "default", sandbox: "default" });
    expect(Object.values(c.sources).every((s) => s === "default")).toBe(true);
  });

  test("file values and env overrides, with their sources", () => {
    const h = home(JSON.stringify({ port: 7000, scan_roots: ["~/code", "/srv/agents"], limits: { max_scan_depth: 4 } }));
    const fromFile = loadConfig({ env: { OPENSENTIENCE_HOME: h } });
    expect(fromFile.port).toBe(7000);
    expect(fromFile.scanRoots).toEqual([join(homedir(), "code"), "/srv/agents"]);
    expect(fromFile.limits.max_scan_depth).toBe(4);
    expect(fromFile.limits.max_scan_entries).toBe(2_000_000);
    expect(fromFile.sources).toMatchObject({ port: "file", scan_roots: "file", limits: "file" });
    const env = loadConfig({ env: { OPENSENTIENCE_HOME: h, OPENSENTIENCE_PORT: "0", OPENSENTIENCE_SCAN_ROOTS: "/a::/b" } });
    expect(env.port).toBe(0);
    expect(env.scanRoots).toEqual(["/a", "/b"]);
    expect(env.sources).toMatchObject({ port: "env", scan_roots: "env" });
  });

  test("create: false does not create the data dir", () => {
    const h = home();
    loadConfig({ env: { OPENSENTIENCE_HOME: h }, create: false });
    expect(() => statSync(h)).toThrow();
  });
});

describe("bad configuration: one clear line naming the file and field", () => {
  const oneLine = (e: AppError) => {
    expect(e.code).toBe("invalid_config");
    expect(e.message).not.toContain("\n");
    expect(e.message.length).toBeLessThan(300);
  };

  test("corrupt JSON", () => {
    const e = configError('{"port": 12');
    oneLine(e);
    expect(e.message).toMatch(/^\/.*\/config\.json: not valid JSON \(/);
  });

  test.each(["[]", "null", '"x"', "3"])("a JSON %s that is not an object", (text) => {
    const e = configError(text);
    oneLine(e);
    expect(e.message).toEndWith("config.json: must be a JSON object");
  });

  test.each([
    ['{"port": "6767"}', "config.json: port: "],
    ['{"port": 70000}', "config.json: port: "],
    ['{"scan_roots": "/one/path"}', "config.json: scan_roots: "],
    ['{"limits": {"max_scan_depth": "deep"}}', "config.json: limits.max_scan_depth: "],
    ['{"registries": [{"name": "Bad Name", "git_url": "x"}]}', "config.json: registries.0.name: "],
  ])("wrong field type %s names the field", (text, expected) => {
    const e = configError(text);
    oneLine(e);
    expect(e.message).toContain(expected);
  });

  test.each([
    ['{"prot": 6767}', "config.json: prot: unknown field (did you mean 'port'?)"],
    ['{"limits": {"max_scan_dept": 3}}', "config.json: limits.max_scan_dept: unknown field (did you mean 'max_scan_depth'?)"],
    ['{"registries": [{"name": "a", "git_url": "x", "reff": "main"}]}', "config.json: registries.0.reff: unknown field (did you mean 'ref'?)"],
    ['{"zzzzzzzz": 1}', "config.json: zzzzzzzz: unknown field"],
    ['{"__proto__": {"polluted": true}}', "config.json: __proto__: unknown field"],
  ])("unknown field %s is named", (text, expected) => {
    const e = configError(text);
    oneLine(e);
    expect(e.message).toEndWith(expected);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("an unreadable config (a directory in its place) is a clear error", () => {
    const h = home();
    mkdirSync(join(h, "config.json"), { recursive: true });
    chmodSync(h, 0o700);
    const e = (() => {
      try {
        loadConfig({ env: { OPENSENTIENCE_HOME: h } });
      } catch (err) {
        return err as AppError;
      }
      throw new Error("expected failure");
    })();
    oneLine(e);
    expect(e.message).toContain("cannot read");
  });

  test.each(["abc", "-1", "65536", "1.5", "", " ", "1e3", "0x10"])("OPENSENTIENCE_PORT=%j", (port) => {
    const e = configError("{}", { OPENSENTIENCE_PORT: port });
    oneLine(e);
    expect(e.message).toStartWith("OPENSENTIENCE_PORT: expected a port number");
  });
});

describe("data directory safety", () => {
  test("a group/world-writable data dir is refused with the fix", () => {
    const h = home("{}");
    chmodSync(h, 0o777);
    expect(() => ensureDataDir(h)).toThrow(`run: chmod 700 ${h}`);
  });

  test("a group-readable data dir is tightened to 0700", () => {
    const h = home("{}");
    chmodSync(h, 0o750);
    ensureDataDir(h);
    expect(statSync(h).mode & 0o777).toBe(0o700);
  });

  test("a file in place of the data dir is refused", () => {
    const d = tempDir();
    dirs.push(d);
    writeFileSync(join(d, "f"), "");
    expect(() => ensureDataDir(join(d, "f"))).toThrow("is not a directory");
  });
});

describe("paths", () => {
  test("expandHome and resolveHome", () => {
    expect(expandHome("~", "/h")).toBe("/h");
    expect(expandHome("~/x", "/h")).toBe("/h/x");
    expect(expandHome("~other/x", "/h")).toBe("~other/x");
    expect(resolveHome({ OPENSENTIENCE_HOME: "  /tmp/x/../y " })).toBe("/tmp/y");
    expect(resolveHome({})).toBe(join(homedir(), ".opensentience"));
    expect(resolveHome({ OPENSENTIENCE_HOME: "   " })).toBe(join(homedir(), ".opensentience"));
  });
});
