/**
 * Short agent names and "did you mean" (issue 17, finding 2): the rule itself,
 * then the CLI over a real catalog — locally (no daemon) and through a real
 * daemon (in-process, real HTTP, the same data directory).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildFixtureTree, type FixtureTree, manifest, writeManifest } from "../../test/fixtures/foundation/tree.ts";
import { AdminToken } from "../api/auth/admin-token.ts";
import { resolveAgentRef } from "../core/catalog/resolve.ts";
import { loadConfig } from "../core/config/load.ts";
import { createServices } from "../core/services.ts";
import { AppError } from "../core/errors.ts";
import { type Daemon, startDaemon } from "../daemon/daemon.ts";
import { httpServer } from "../daemon/http-server.ts";
import { runCli } from "./dispatch.ts";
import type { Io } from "./output.ts";

const refs = [
  { id: "com.example.weather", name: "weather" },
  { id: "com.example.git_commit", name: "Git Commit" },
  { id: "org.team.summarizer", name: "summarizer" },
  { id: "org.other.summarizer", name: "summarizer" },
];

function err(f: () => unknown): AppError {
  try {
    f();
  } catch (e) {
    return e as AppError;
  }
  throw new Error("did not throw");
}

describe("resolveAgentRef", () => {
  test("a full id as is; a unique last segment, id suffix or name (any case) → the full id", () => {
    expect(resolveAgentRef("com.example.weather", refs)).toBe("com.example.weather");
    expect(resolveAgentRef("weather", refs)).toBe("com.example.weather");
    expect(resolveAgentRef("WEATHER", refs)).toBe("com.example.weather");
    expect(resolveAgentRef("git commit", refs)).toBe("com.example.git_commit");
    expect(resolveAgentRef("git_commit", refs)).toBe("com.example.git_commit");
    expect(resolveAgentRef("team.summarizer", refs)).toBe("org.team.summarizer");
  });

  test("ambiguous: usage error listing every candidate", () => {
    const e = err(() => resolveAgentRef("summarizer", refs));
    expect(e.code).toBe("usage");
    expect(e.message).toBe("'summarizer' matches 2 agents: org.other.summarizer, org.team.summarizer; give the full id");
  });

  test("unknown: not_found with the closest id (by full id, last segment or name), or where to look", () => {
    expect(err(() => resolveAgentRef("wether", refs)).message).toBe("no agent 'wether' in the catalog (did you mean 'com.example.weather'?)");
    expect(err(() => resolveAgentRef("com.exmaple.weather", refs)).message).toContain("(did you mean 'com.example.weather'?)");
    const far = err(() => resolveAgentRef("frobnicator", refs));
    expect(far.code).toBe("not_found");
    expect(far.message).toBe("no agent 'frobnicator' in the catalog (see: opensentience agents list; after adding a registry: opensentience registry sync)");
    expect(err(() => resolveAgentRef("x", [])).code).toBe("not_found");
  });
});

let tree: FixtureTree;
let env: Record<string, string>;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const errs: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => errs.push(s), isTTY: false };
  const code = await runCli(argv, io, env);
  return { code, stdout: out.join("\n"), errLines: errs.flatMap((e) => e.split("\n")).filter(Boolean) };
}

/** The same checks, whichever side (local services or the daemon) answers. */
async function checkShortNames() {
  const info = await cli("agents", "info", "weather", "--json");
  expect(info.code).toBe(0);
  expect(JSON.parse(info.stdout).id).toBe("com.example.weather");
  const typo = await cli("agents", "info", "wether");
  expect(typo.code).toBe(1);
  expect(typo.errLines).toEqual(["opensentience: no agent 'wether' in the catalog (did you mean 'com.example.weather'?)"]);
  const amb = await cli("agents", "info", "summarizer");
  expect(amb.code).toBe(2);
  expect(amb.errLines).toEqual(["opensentience: 'summarizer' matches 2 agents: com.other.summarizer, org.team.summarizer; give the full id"]);
  // A command that changes state resolves the same way before it acts (weather is not installed).
  const en = await cli("agents", "enable", "weather");
  expect(en.code).toBe(1);
  expect(en.errLines.join(" ")).toContain("com.example.weather");
  expect(en.errLines.join(" ")).not.toContain("'weather'");
  expect((await cli("agents", "disable", "wether")).errLines).toEqual(["opensentience: no agent 'wether' in the catalog (did you mean 'com.example.weather'?)"]);
  // Filters: a short name resolves; an id the catalog no longer knows is kept (its rows outlive it); ambiguity is an error.
  const audit = await cli("audit", "--agent", "weather", "--json");
  expect(audit.code).toBe(0);
  const events = JSON.parse(audit.stdout).events as Array<{ agentId: string }>;
  expect(events.length).toBeGreaterThan(0);
  for (const e of events) expect(e.agentId).toBe("com.example.weather");
  expect((await cli("audit", "--agent", "com.gone.agent", "--json")).code).toBe(0);
  expect((await cli("stats", "--agent", "com.gone.agent", "--json")).code).toBe(0);
  expect((await cli("audit", "--agent", "summarizer")).code).toBe(2);
  expect((await cli("stats", "--agent", "summarizer")).code).toBe(2);
}

beforeAll(async () => {
  tree = buildFixtureTree({ bad: false, hazards: false });
  writeManifest(tree.root, "other/summarizer", manifest("com.other.summarizer"));
  env = { OPENSENTIENCE_HOME: join(tree.base, "home"), OPENSENTIENCE_SCAN_ROOTS: tree.root, OPENSENTIENCE_EXAMPLES: "0", HOME: tree.base, PATH: process.env.PATH ?? "" };
  expect((await cli("discover")).code).toBe(0);
  // One audit row about weather, written the way every action writes one (for the audit --agent filter).
  const services = createServices(loadConfig({ env }));
  services.audit.record({ actor: "cli", action: "test.marker", agentId: "com.example.weather", outcome: "ok" });
  services.close();
});
afterAll(() => rmSync(tree.base, { recursive: true, force: true }));

describe("CLI short names", () => {
  test("locally (no daemon)", checkShortNames);

  describe("through the daemon", () => {
    let daemon: Daemon;
    beforeAll(async () => {
      const config = loadConfig({ env });
      config.port = 0;
      const quiet = { info: () => {}, warn: () => {} };
      daemon = await startDaemon({ config, log: quiet, components: [httpServer({ token: AdminToken.load(config.paths.adminToken, env) })] });
    });
    afterAll(() => daemon?.stop("test"));

    test("agents info/enable/disable resolve via GET /agents/:id/resolve", async () => {
      const { DaemonClient } = await import("../client/daemon-client.ts");
      const client = DaemonClient.tryConnect(loadConfig({ env }), env);
      expect(client).not.toBeNull();
      expect(await client!.resolveAgent("weather")).toEqual({ id: "com.example.weather" });
      await checkShortNames();
    });
  });
});
