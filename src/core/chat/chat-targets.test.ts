import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installs } from "../../db/schema.ts";
import { listingValues } from "../catalog/listing.ts";
import { loadConfig } from "../config/load.ts";
import { validateManifest } from "../manifest/parse.ts";
import { Runtime } from "../runtime/runtime.ts";
import { createServices, type Services } from "../services.ts";
import { chatTargets } from "./chat-targets.ts";

let s: Services | undefined;
let home = "";
afterEach(() => {
  s?.close();
  s = undefined;
  rmSync(home, { recursive: true, force: true });
});

/** A discovered listing (what the search index knows) plus an install row holding `manifestJson`. */
function install(services: Services, agentId: string, manifestJson: string, enabled = true): void {
  const listed = validateManifest({ manifest_version: 1, id: agentId, name: agentId, version: "1.0.0" });
  services.catalog.upsertListing(listingValues(`local:${agentId}`, "local", listed, "local_uninstalled", { path: join(home, agentId) }));
  const now = new Date().toISOString();
  services.store.db.insert(installs).values({ agentId, source: "local", installPath: home, state: "installed", enabled, manifestJson, installedAt: now, updatedAt: now }).run();
}

const manifest = (id: string, name: string, capabilities: string[]) => JSON.stringify({ manifest_version: 1, id, name, version: "1.0.0", capabilities });

test("installed+enabled agents are targets; chat-capable first; an unusable manifest is listed by id without chat", () => {
  home = mkdtempSync(join(tmpdir(), "oschat-"));
  writeFileSync(join(home, "config.json"), JSON.stringify({ scan_roots: [] }));
  const services = (s = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: home } })));
  install(services, "com.test.b_tools", manifest("com.test.b_tools", "Tools only", ["tools"]));
  install(services, "com.test.a_chat", manifest("com.test.a_chat", "Talker", ["chat"]));
  install(services, "com.test.off", manifest("com.test.off", "Disabled", ["chat"]), false);
  // Claims chat, but fails the schema (bad version): it must not be offered as chat-capable.
  install(services, "com.test.broken", JSON.stringify({ manifest_version: 1, id: "com.test.broken", name: "Broken", version: "one", capabilities: ["chat"] }));
  // Not started: statuses come from a real, idle runtime.
  const targets = chatTargets({ runtime: new Runtime(services), services });
  expect(targets).toEqual([
    { agentId: "com.test.a_chat", name: "Talker", state: "stopped", running: false, chat: true, tools: 0 },
    { agentId: "com.test.broken", name: "com.test.broken", state: "stopped", running: false, chat: false, tools: 0 },
    { agentId: "com.test.b_tools", name: "Tools only", state: "stopped", running: false, chat: false, tools: 0 },
  ]);
});
