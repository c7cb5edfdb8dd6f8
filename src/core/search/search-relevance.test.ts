/**
 * Relevance on a fixed corpus (issue 16 §5): typos are corrected, prefixes
 * match, trust and observed reliability order equal text, filters stay exact.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { manifest, tempDir } from "../../../test/fixtures/foundation/tree.ts";
import { listingValues } from "../catalog/listing.ts";
import { loadConfig } from "../config/load.ts";
import { validateManifest } from "../manifest/parse.ts";
import { createServices, type Services } from "../services.ts";
import { metricsReliability } from "./reliability.ts";
import type { SearchFilter } from "./search.ts";
import { editDistance } from "./typo.ts";

type Spec = { id: string; fields: Record<string, unknown>; remote?: { verification: string | null; trust: number | null } };

const SPECS: Spec[] = [
  { id: "com.acme.slack_notifier", fields: { name: "Slack Notifier", description: "Posts messages to a channel.", capabilities: ["tools"], integration_points: ["slack"] } },
  { id: "com.acme.kubernetes_deployer", fields: { name: "Kubernetes Deployer", description: "Rolls out releases.", capabilities: ["tools", "streaming"] } },
  { id: "com.acme.invoice_reader", fields: { name: "Invoice Reader", description: "Reads invoices.", capabilities: ["tools"], integration_points: ["google_drive"] } },
  // Equal text, different trust: names differ only in a word the queries below do not use.
  { id: "com.plain.mailer", fields: { name: "Alpha Mailer", description: "Sends newsletters.", capabilities: ["tools"] }, remote: { verification: null, trust: null } },
  { id: "com.community.mailer", fields: { name: "Bravo Mailer", description: "Sends newsletters.", capabilities: ["tools"] }, remote: { verification: "community", trust: 0.5 } },
  { id: "com.trusted.mailer", fields: { name: "Charlie Mailer", description: "Sends newsletters.", capabilities: ["tools"] }, remote: { verification: "verified", trust: 0.95 } },
  { id: "com.acme.tooling", fields: { name: "Tooling Helper", description: "Helps with tools.", capabilities: ["tool", "tool.kit"], integration_points: ["google"] } },
];

let dir: string;
let s: Services;

beforeAll(() => {
  dir = tempDir("os-search-relevance-");
  s = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: dir, OPENSENTIENCE_SCAN_ROOTS: "" } }));
  s.store.sqlite.run("INSERT INTO registries (name, git_url, ref, added_at) VALUES ('main', 'https://example.com/r.git', 'main', '2026-01-01T00:00:00Z')");
  s.catalog.transaction(() => {
    for (const sp of SPECS) {
      const result = validateManifest(manifest(sp.id, sp.fields));
      if (!result.ok) throw new Error(`fixture ${sp.id}: ${JSON.stringify(result.problems)}`);
      if (sp.remote) {
        s.catalog.upsertListing(listingValues(`registry:main:${sp.id}`, "remote", result, "available", { registryName: "main", verification: sp.remote.verification, trustScore: sp.remote.trust }));
      } else {
        s.catalog.upsertListing(listingValues(`local:/agents/${sp.id}`, "local", result, "local_uninstalled", { path: `/agents/${sp.id}` }));
      }
    }
  });
});
afterAll(() => {
  s.search.setReliabilitySource(undefined);
  s.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = (f: SearchFilter) => s.search.search(f).agents.map((a) => a.id);

describe("typo tolerance", () => {
  test("a misspelt word finds the catalog word one edit away", () => {
    expect(ids({ query: "slak" })).toEqual(["com.acme.slack_notifier"]);
    expect(ids({ query: "notifer" })).toEqual(["com.acme.slack_notifier"]);
    expect(ids({ query: "invoce" })).toEqual(["com.acme.invoice_reader"]);
  });

  test("longer words allow two edits; every word of a query may be corrected", () => {
    expect(ids({ query: "kubernets" })).toEqual(["com.acme.kubernetes_deployer"]);
    expect(ids({ query: "kuberentes deplyer" })).toEqual(["com.acme.kubernetes_deployer"]);
    expect(ids({ query: "slak notifier" })).toEqual(["com.acme.slack_notifier"]);
  });

  test("no correction for short words, for words that already match, or for nothing close", () => {
    expect(ids({ query: "slk" })).toEqual([]); // three letters: too many words are one edit away
    expect(ids({ query: "slac" })).toEqual(["com.acme.slack_notifier"]); // a prefix, not a typo
    expect(ids({ query: "zzzzzz" })).toEqual([]);
    expect(ids({ query: "slak zzzzzz" })).toEqual([]);
  });

  test("words added after the catalog was built are corrected too (the vocabulary follows inserts and edits)", () => {
    s.store.sqlite.run("UPDATE agents SET description = 'Reads invoices and receipts.' WHERE agent_id = 'com.acme.invoice_reader'");
    expect(ids({ query: "reciepts" })).toEqual(["com.acme.invoice_reader"]);
  });

  test("edit distance: optimal string alignment with an early stop", () => {
    expect(editDistance("slak", "slack", 1)).toBe(1);
    expect(editDistance("reciepts", "receipts", 1)).toBe(1); // one transposition
    expect(editDistance("kitten", "sitting", 3)).toBe(3);
    expect(editDistance("abc", "xyz123", 2)).toBe(3); // gave up past 2
  });
});

describe("prefixes", () => {
  test("a prefix of any indexed word matches, case and diacritics folded", () => {
    expect(ids({ query: "kube" })).toEqual(["com.acme.kubernetes_deployer"]);
    expect(ids({ query: "NOTIF" })).toEqual(["com.acme.slack_notifier"]);
    expect(ids({ query: "Mäil" })).toHaveLength(3);
  });
});

describe("complete words are searched as exact terms only when that changes nothing", () => {
  test("a word with longer forms stays a prefix; a word without is exact; both find the same agents as the prefix", () => {
    const db = s.store.sqlite;
    const marker = () => db.query("SELECT 1 AS one FROM search_terms WHERE term = char(1)").get();
    expect(marker()).toBeNull(); // all fixture text is ASCII
    expect(ids({ query: "notifier" })).toEqual(["com.acme.slack_notifier"]);
    db.run("UPDATE agents SET description = 'Posts messages to a channel; notifiers welcome.' WHERE agent_id = 'com.acme.slack_notifier'");
    db.run("UPDATE agents SET description = 'Rolls out releases and pings notifiers.' WHERE agent_id = 'com.acme.kubernetes_deployer'");
    expect(ids({ query: "notifier" })).toEqual(["com.acme.slack_notifier", "com.acme.kubernetes_deployer"]);
  });

  test("text SQL cannot fold (non-ASCII) marks the vocabulary unsure, and prefixes are used again", () => {
    const db = s.store.sqlite;
    expect(ids({ query: "releases" })).toEqual(["com.acme.kubernetes_deployer"]);
    // FTS5 folds "RELEASÉSTREAM" to "releasestream", a longer form of "releases" that SQL lower() cannot produce.
    db.run("UPDATE agents SET description = 'Reads invoices. RELEASÉSTREAM ready.' WHERE agent_id = 'com.acme.invoice_reader'");
    expect(db.query("SELECT 1 AS one FROM search_terms WHERE term = char(1)").get()).toEqual({ one: 1 });
    expect(ids({ query: "releases" }).sort()).toEqual(["com.acme.invoice_reader", "com.acme.kubernetes_deployer"]);
  });
});

describe("trust and reliability order equal text", () => {
  test("verified/high trust before community before unverified, although name order is the reverse", () => {
    expect(ids({ query: "newsletters" })).toEqual(["com.trusted.mailer", "com.community.mailer", "com.plain.mailer"]);
    expect(ids({ query: "mailer" })).toEqual(["com.trusted.mailer", "com.community.mailer", "com.plain.mailer"]);
    // Without a query the list stays in name order.
    expect(ids({ capability: "tools", source: "remote" })).toEqual(["com.plain.mailer", "com.community.mailer", "com.trusted.mailer"]);
  });

  test("a trust change re-ranks at once (the index follows verification and trust score)", () => {
    s.store.sqlite.run("UPDATE agents SET verification = 'verified', trust_score = 1.0 WHERE agent_id = 'com.plain.mailer'");
    try {
      expect(ids({ query: "mailer" })).toEqual(["com.plain.mailer", "com.trusted.mailer", "com.community.mailer"]);
    } finally {
      s.store.sqlite.run("UPDATE agents SET verification = NULL, trust_score = NULL WHERE agent_id = 'com.plain.mailer'");
    }
    expect(ids({ query: "mailer" })).toEqual(["com.trusted.mailer", "com.community.mailer", "com.plain.mailer"]);
  });

  test("observed errors push an agent down; agents without observations are neutral", () => {
    s.search.setReliabilitySource({ errorRates: () => new Map([["com.trusted.mailer", 1], ["com.unknown.agent", 0.5]]) });
    try {
      expect(ids({ query: "mailer" })).toEqual(["com.community.mailer", "com.plain.mailer", "com.trusted.mailer"]);
      expect(ids({ query: "mailer", offset: 2, limit: 1 })).toEqual(["com.trusted.mailer"]);
    } finally {
      s.search.setReliabilitySource(undefined);
    }
    s.search.setReliabilitySource({ errorRates: () => new Map([["com.trusted.mailer", 0]]) });
    expect(ids({ query: "mailer" })).toEqual(["com.trusted.mailer", "com.community.mailer", "com.plain.mailer"]);
    s.search.setReliabilitySource(undefined);
  });

  test("the daemon's tool-call metrics feed it: failures and timeouts count, denials and too few calls do not", () => {
    // The real Metrics; the runtime view only says every tool id is registered (no agent process here).
    s.metrics.bindRuntime({ isTool: () => true, knowsAgent: () => true, statuses: () => [], connection: () => null, announce: () => {} });
    const source = metricsReliability(s.metrics);
    const calls = (agent: string, n: number, code: string | null) => {
      for (let i = 0; i < n; i++) s.metrics.callDone(`${agent}/send`, code === null ? null : { code, message: "x" }, 3);
    };
    calls("com.plain.mailer", 5, "internal"); // 5 calls: no observation yet
    calls("com.community.mailer", 40, "permission_denied"); // denials are policy, not the agent's fault
    calls("com.community.mailer", 10, null);
    calls("com.trusted.mailer", 6, null);
    calls("com.trusted.mailer", 3, "internal");
    calls("com.trusted.mailer", 3, "timeout");
    expect([...source.errorRates()]).toEqual([["com.trusted.mailer", 0.5]]);
    s.search.setReliabilitySource(source);
    try {
      // Half its calls failing: 1.25 (trust) × 0.75 (reliability) < 1 (unverified, not observed) < 1.125 (community).
      expect(ids({ query: "mailer" })).toEqual(["com.community.mailer", "com.plain.mailer", "com.trusted.mailer"]);
    } finally {
      s.search.setReliabilitySource(undefined);
    }
  });

  test("text relevance still comes first: a name match outranks a trusted description-only match", () => {
    expect(ids({ query: "tools" })).toEqual(["com.acme.tooling"]);
    expect(ids({ query: "tool" })[0]).toBe("com.acme.tooling");
  });
});

describe("filters stay exact with a query", () => {
  test("capability and integration match whole values, case-sensitively", () => {
    expect(ids({ query: "helper", capability: "tool" })).toEqual(["com.acme.tooling"]);
    expect(ids({ query: "helper", capability: "tool.kit" })).toEqual(["com.acme.tooling"]);
    expect(ids({ query: "helper", capability: "kit" })).toEqual([]);
    expect(ids({ query: "helper", capability: "tools" })).toEqual([]);
    expect(ids({ query: "reader", capability: "tool" })).toEqual([]);
    expect(ids({ query: "reader", capability: "TOOLS" })).toEqual([]);
    expect(ids({ query: "reader", capability: "tools" })).toEqual(["com.acme.invoice_reader"]);
    expect(ids({ query: "reader", integration: "google" })).toEqual([]);
    expect(ids({ query: "reader", integration: "google_drive" })).toEqual(["com.acme.invoice_reader"]);
    expect(ids({ query: "helper", integration: "google_drive" })).toEqual([]);
  });

  test("source, verification, min trust and status", () => {
    expect(ids({ query: "mailer", source: "local" })).toEqual([]);
    expect(ids({ query: "mailer", verification: "community" })).toEqual(["com.community.mailer"]);
    expect(ids({ query: "mailer", minTrust: 0.6 })).toEqual(["com.trusted.mailer"]);
    expect(ids({ query: "mailer", status: "available" })).toHaveLength(3);
    expect(ids({ query: "mailer", status: "local_uninstalled" })).toEqual([]);
  });

  test("a query word can never match a filter token", () => {
    for (const q of ["0f", "0fc", "0fc746f6f6c73", "0fo72656d6f7465"]) expect(ids({ query: q })).toEqual([]);
  });
});
