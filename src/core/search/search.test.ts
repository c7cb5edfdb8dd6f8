import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { manifest, tempDir } from "../../../test/fixtures/foundation/tree.ts";
import { listingValues } from "../catalog/listing.ts";
import { loadConfig } from "../config/load.ts";
import { AppError } from "../errors.ts";
import { validateManifest } from "../manifest/parse.ts";
import { createServices, type Services } from "../services.ts";
import { ftsQuery } from "./search.ts";

type Spec = {
  id: string;
  fields?: Record<string, unknown>;
  remote?: { verification?: string; trust?: number };
  status?: "local_uninstalled" | "missing" | "invalid";
};

/** The catalog used by every test below: local and remote listings with known text. */
const SPECS: Spec[] = [
  { id: "com.acme.commit_writer", fields: { name: "Commit Writer", description: "Writes messages.", keywords: ["git"], capabilities: ["tools", "chat"], integration_points: ["github"] } },
  { id: "com.acme.changelog", fields: { name: "Changelog", description: "Builds a changelog from each commit since the last tag.", capabilities: ["tools"], integration_points: ["gitlab"] } },
  { id: "com.acme.alpha_invoice", fields: { name: "Alpha Invoice", description: "Parses invoices.", capabilities: ["tools"] } },
  { id: "com.acme.bravo_invoice", fields: { name: "Bravo Invoice", description: "Parses invoices.", capabilities: ["tools"] } },
  { id: "com.acme.resume", fields: { name: "Résumé Reviewer", description: "Reviews a CV.", capabilities: ["chat"] } },
  { id: "com.acme.gone", fields: { name: "Gone Agent", description: "Was here once." }, status: "missing" },
  { id: "com.remote.verified_git", fields: { name: "Verified Git", description: "Git helper from a registry.", capabilities: ["tools", "streaming"], integration_points: ["github"] }, remote: { verification: "verified", trust: 0.9 } },
  { id: "com.remote.community_git", fields: { name: "Community Git", description: "Another git helper.", capabilities: ["tools"] }, remote: { verification: "community", trust: 0.4 } },
  { id: "com.remote.unrated", fields: { name: "Unrated Tool", description: "No trust score yet.", capabilities: ["tools"] }, remote: {} },
];

let dir: string;
let s: Services;

function insert(svc: Services, specs: Spec[]) {
  svc.catalog.transaction(() => {
    for (const sp of specs) {
      const result = validateManifest(manifest(sp.id, sp.fields));
      if (!result.ok) throw new Error(`fixture ${sp.id}: ${JSON.stringify(result.problems)}`);
      if (sp.remote) {
        svc.catalog.upsertListing(
          listingValues(`registry:main:${sp.id}`, "remote", result, "available", {
            registryName: "main",
            verification: sp.remote.verification ?? null,
            trustScore: sp.remote.trust ?? null,
          }),
        );
      } else {
        svc.catalog.upsertListing(listingValues(`local:/agents/${sp.id}`, "local", result, sp.status ?? "local_uninstalled", { path: `/agents/${sp.id}` }));
      }
    }
  });
}

function openCatalog(d: string, specs: Spec[]): Services {
  const svc = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: d, OPENSENTIENCE_SCAN_ROOTS: "" } }));
  svc.store.sqlite.run("INSERT INTO registries (name, git_url, ref, added_at) VALUES ('main', 'https://example.com/r.git', 'main', '2026-01-01T00:00:00Z')");
  insert(svc, specs);
  return svc;
}

beforeAll(() => {
  dir = tempDir();
  s = openCatalog(join(dir, "a"), SPECS);
  // One installed agent: its effective status comes from the installs table.
  s.store.sqlite.run(
    "INSERT INTO installs (agent_id, source, install_path, state, enabled, installed_at, updated_at) VALUES ('com.acme.changelog', 'local', '/x', 'installed', 1, 'now', 'now')",
  );
});
afterAll(() => {
  s.close();
  rmSync(dir, { recursive: true, force: true });
});

const ids = (f: Parameters<Services["search"]["search"]>[0]) => s.search.search(f).agents.map((a) => a.id);

describe("full-text ranking", () => {
  test("bm25 with weights: a name hit outranks a description hit", () => {
    expect(ids({ query: "commit" })).toEqual(["com.acme.commit_writer", "com.acme.changelog"]);
  });

  test("equal scores fall back to name order", () => {
    expect(ids({ query: "invoices" })).toEqual(["com.acme.alpha_invoice", "com.acme.bravo_invoice"]);
  });

  test("ranking is deterministic: repeated queries and a catalog filled in reverse order agree", () => {
    const reversed = openCatalog(join(dir, "b"), [...SPECS].reverse());
    try {
      for (const q of ["git", "invoice", "tools", "helper", "a"]) {
        const here = ids({ query: q });
        expect(ids({ query: q })).toEqual(here);
        expect(reversed.search.search({ query: q }).agents.map((a) => a.id)).toEqual(here);
      }
    } finally {
      reversed.close();
    }
  });

  test("prefix matching, case and diacritics are folded", () => {
    expect(ids({ query: "CHANGEL" })).toEqual(["com.acme.changelog"]);
    expect(ids({ query: "resume" })).toEqual(["com.acme.resume"]);
    expect(ids({ query: "RÉSUMÉ" })).toEqual(["com.acme.resume"]);
  });

  test("several words must all match", () => {
    expect(ids({ query: "git helper registry" })).toEqual(["com.remote.verified_git"]);
  });

  test("without a query, listing is by name", () => {
    const names = s.search.search({ limit: 1000 }).agents.map((a) => a.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" })));
    expect(names).toHaveLength(SPECS.length);
  });
});

describe("hostile queries never reach FTS syntax", () => {
  test.each(['"', "NEAR(", "NEAR(a b, 2)", "*", "a OR b", "col:x", "agent_id:commit", "^git", "-git", "'", ")", "(", "\\", "NOT git", "git AND", "{a b}", "\u0000", "🙂", "x".repeat(512), `${"a ".repeat(100)}`])(
    "query %j does not throw",
    (q) => {
      expect(() => s.search.search({ query: q })).not.toThrow();
    },
  );

  test("punctuation-only queries return nothing; FTS operators are searched as plain words", () => {
    expect(s.search.search({ query: '"' }).total).toBe(0);
    expect(s.search.search({ query: "*" }).total).toBe(0);
    expect(ids({ query: "commit OR zzz" })).toEqual([]);
    expect(ids({ query: "name:commit" })).toEqual([]);
  });

  test("ftsQuery quotes every word as a prefix term and caps at 16 words", () => {
    expect(ftsQuery('a"b NEAR(c')).toBe('"a"* AND "b"* AND "near"* AND "c"*');
    expect(ftsQuery(" ;; ")).toBeNull();
    expect(ftsQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(" "))!.split(" AND ")).toHaveLength(16);
  });
});

describe("filters", () => {
  test("--capability", () => {
    expect(ids({ capability: "chat" })).toEqual(["com.acme.commit_writer", "com.acme.resume"]);
    expect(ids({ capability: "streaming" })).toEqual(["com.remote.verified_git"]);
    expect(ids({ capability: "nope" })).toEqual([]);
  });

  test("--integration", () => {
    expect(ids({ integration: "github" })).toEqual(["com.acme.commit_writer", "com.remote.verified_git"]);
    expect(ids({ integration: "gitlab" })).toEqual(["com.acme.changelog"]);
  });

  test("--status uses the effective status (install state wins)", () => {
    expect(ids({ status: "missing" })).toEqual(["com.acme.gone"]);
    expect(ids({ status: "installed" })).toEqual(["com.acme.changelog"]);
    expect(ids({ status: "available" })).toEqual(["com.remote.community_git", "com.remote.unrated", "com.remote.verified_git"]);
    expect(s.search.search({ status: "installed" }).agents[0]!.enabled).toBe(true);
  });

  test("--status with an unknown value is an invalid_argument error", () => {
    expect(() => s.search.search({ status: "bogus" as never })).toThrow(AppError);
  });

  test("--verification", () => {
    expect(ids({ verification: "verified" })).toEqual(["com.remote.verified_git"]);
    expect(ids({ verification: "community" })).toEqual(["com.remote.community_git"]);
  });

  test("--min-trust excludes lower and unrated", () => {
    expect(ids({ minTrust: 0.5 })).toEqual(["com.remote.verified_git"]);
    expect(ids({ minTrust: 0 })).toEqual(["com.remote.community_git", "com.remote.verified_git"]);
  });

  test("--source local|remote", () => {
    expect(ids({ source: "remote" })).toEqual(["com.remote.community_git", "com.remote.unrated", "com.remote.verified_git"]);
    expect(s.search.search({ source: "local" }).total).toBe(6);
  });

  test("filters combine with the query and with each other", () => {
    expect(ids({ query: "git", source: "remote", minTrust: 0.5 })).toEqual(["com.remote.verified_git"]);
    expect(ids({ query: "git", capability: "chat" })).toEqual(["com.acme.commit_writer"]);
    expect(ids({ capability: "tools", integration: "github", source: "local" })).toEqual(["com.acme.commit_writer"]);
  });

  test("pagination: total counts everything, pages are stable and limits are clamped", () => {
    const all = ids({ limit: 1000 });
    const pages = [0, 3, 6].flatMap((offset) => ids({ limit: 3, offset }));
    expect(pages).toEqual(all);
    const page = s.search.search({ limit: 2, offset: 2 });
    expect(page).toMatchObject({ total: SPECS.length, limit: 2, offset: 2 });
    expect(s.search.search({ limit: 0 }).limit).toBe(1);
    expect(s.search.search({ limit: 10_000 }).limit).toBe(1000);
    expect(s.search.search({ offset: -5 }).offset).toBe(0);
  });

  test("summaries carry what the adapters show", () => {
    const [a] = s.search.search({ query: "verified" }).agents;
    expect(a).toMatchObject({
      id: "com.remote.verified_git",
      source: "remote",
      registry: "main",
      status: "available",
      verification: "verified",
      trustScore: 0.9,
      capabilities: ["tools", "streaming"],
      integrationPoints: ["github"],
      errors: [],
    });
  });
});
