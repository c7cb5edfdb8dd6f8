import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installs } from "../../db/schema.ts";
import { loadConfig } from "../config/load.ts";
import { createServices, type Services } from "../services.ts";

let s: Services | undefined;
let home = "";
afterEach(() => {
  s?.close();
  s = undefined;
  rmSync(home, { recursive: true, force: true });
});

const ID = "com.test.stored";
const manifest = { manifest_version: 1, id: ID, name: "Stored", version: "1.0.0", permissions: ["env:read:X"], capabilities: ["chat"] };

function open(): Services {
  home = mkdtempSync(join(tmpdir(), "oscat-"));
  writeFileSync(join(home, "config.json"), JSON.stringify({ scan_roots: [] }));
  return (s = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: home } })));
}

function store(services: Services, manifestJson: string | null): void {
  const now = new Date().toISOString();
  services.store.db
    .insert(installs)
    .values({ agentId: ID, source: "local", installPath: home, state: "installed", manifestJson, installedAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: installs.agentId, set: { manifestJson } })
    .run();
}

test("installedManifest: validated, cached while the stored JSON is unchanged, re-read when it changes", () => {
  const services = open();
  expect(services.catalog.installedManifest(ID)).toBeNull();
  store(services, JSON.stringify(manifest));
  const first = services.catalog.installedManifest(ID)!;
  expect(first).toMatchObject({ id: ID, permissions: ["env:read:X"], capabilities: ["chat"] });
  expect(services.catalog.installedManifest(ID)).toBe(first);
  // Another writer (an update, the CLI) changes the row: the next read sees it.
  store(services, JSON.stringify({ ...manifest, version: "2.0.0" }));
  expect(services.catalog.installedManifest(ID)?.version).toBe("2.0.0");
});

test("installedManifest: an unusable stored manifest is null, and so are the agent's requested permissions", () => {
  const services = open();
  store(services, "{broken");
  expect(services.catalog.installedManifest(ID)).toBeNull();
  store(services, JSON.stringify({ ...manifest, permissions: ["root:everything"] }));
  expect(services.catalog.installedManifest(ID)).toBeNull();
  expect(services.approvals.state(ID).requested).toEqual([]);
  // The detail view falls back to what the install row knows instead of throwing.
  expect(services.catalog.get(ID)).toMatchObject({ id: ID, name: ID, permissionsRequested: [] });
  store(services, null);
  expect(services.catalog.installedManifest(ID)).toBeNull();
});

test("the detail view gets its own copy of the shared manifest", () => {
  const services = open();
  store(services, JSON.stringify(manifest));
  const detail = services.catalog.get(ID);
  (detail.manifest!.permissions as string[]).push("changed");
  expect(services.catalog.installedManifest(ID)?.permissions).toEqual(["env:read:X"]);
});
