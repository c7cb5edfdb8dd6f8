/**
 * Catalog search at scale.
 *
 *   bun bench/search.ts [--agents 100000] [--queries 400] [--seed 7] [--no-binary] [--keep-db FILE] [--db FILE] [--json]
 *
 * Fills a temp catalog with `agents` generated listings (realistic names,
 * descriptions, keywords, tool summaries, capabilities and integrations; 30%
 * remote with verification and trust scores, a few missing/invalid) through the
 * same mapping discovery and registry sync use (listingValues → upsertListing),
 * then times through the CatalogSearch service:
 *   - full-text queries alone (common words, rare words, prefixes, 2-3 words, misses)
 *   - the same queries with filters (capability, integration, source+min-trust, status)
 *   - filters alone (no query)
 *   - `agents list` pages (limit 50 at random offsets, by name)
 * and reports p50 / p99 / mean per group, plus the compiled binary's
 * `agents list --json` and `agents search --json` wall time (process included).
 * Everything is generated from `seed`, so runs are comparable.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { listingValues } from "../src/core/catalog/listing.ts";
import { loadConfig } from "../src/core/config/load.ts";
import { validateManifest } from "../src/core/manifest/parse.ts";
import type { SearchFilter } from "../src/core/search/search.ts";
import { createServices } from "../src/core/services.ts";
import { binaryPath } from "../test/helpers/binary.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    agents: { type: "string", default: "100000" },
    queries: { type: "string", default: "400" },
    seed: { type: "string", default: "7" },
    "no-binary": { type: "boolean", default: false },
    /** Keep the filled catalog at this path (for EXPLAIN / profiling); skips the timings. */
    "keep-db": { type: "string" },
    /** Time a copy of a catalog kept earlier with the same --agents/--seed (migrated on open) instead of filling one. */
    db: { type: "string" },
    /** Also print the N slowest calls (by CPU time) of each group, with their filters. */
    slowest: { type: "string", default: "0" },
    /** Print the groups as one JSON line (for bench/run-all.ts) instead of the table. */
    json: { type: "boolean", default: false },
  },
});
const N = Number(values.agents);
const QUERIES = Number(values.queries);
const SEED = Number(values.seed);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** Zipf-ish pick: early entries are much more common, like real vocabulary. */
const zipf = <T>(xs: readonly T[]): T => xs[Math.floor(xs.length * rand() ** 2.5)]!;
const some = <T>(xs: readonly T[], min: number, max: number): T[] => {
  const n = min + Math.floor(rand() * (max - min + 1));
  return [...new Set(Array.from({ length: n }, () => zipf(xs)))];
};

const DOMAINS = ["git", "commit", "review", "deploy", "kubernetes", "docker", "metrics", "logs", "alert", "incident", "invoice", "billing", "payment", "calendar", "meeting", "email", "slack", "ticket", "jira", "support", "search", "index", "translate", "summary", "document", "pdf", "spreadsheet", "database", "sql", "migration", "backup", "security", "audit", "compliance", "weather", "travel", "recipe", "music", "image", "video", "speech", "code", "lint", "test", "benchmark", "release", "changelog", "dependency", "license", "onboarding"];
const ROLES = ["helper", "assistant", "bot", "agent", "runner", "watcher", "reporter", "planner", "checker", "writer", "analyzer", "sync", "bridge", "monitor", "router"];
const VERBS = ["Summarizes", "Reviews", "Drafts", "Checks", "Tracks", "Schedules", "Translates", "Indexes", "Monitors", "Generates", "Validates", "Explains", "Classifies", "Extracts", "Reconciles"];
const OBJECTS = ["pull requests", "commit messages", "release notes", "invoices", "support tickets", "meeting notes", "log files", "alerts", "SQL queries", "PDF documents", "calendar events", "dependency updates", "security advisories", "test failures", "deploy pipelines", "customer emails", "spreadsheets", "code reviews", "incident timelines", "travel plans"];
const QUALIFIERS = ["quickly", "with citations", "for small teams", "across repositories", "in real time", "offline", "on a schedule", "with approval steps", "using local models", "from the command line"];
const CAPS = ["tools", "streaming", "cancellation", "chat", "files", "memory", "scheduling", "webhooks"];
const INTEGRATIONS = ["github", "gitlab", "slack", "jira", "linear", "notion", "google_drive", "postgres", "s3", "stripe", "pagerduty", "datadog", "discord", "teams", "zendesk"];
const VENDORS = ["acme", "initech", "globex", "umbrella", "hooli", "stark", "wayne", "tyrell", "cyberdyne", "soylent"];
const REGISTRIES = ["main", "community", "internal"];

function genManifest(i: number) {
  const domain = zipf(DOMAINS);
  const role = pick(ROLES);
  const vendor = pick(VENDORS);
  const kw = some(DOMAINS, 2, 6);
  return {
    manifest_version: 1,
    id: `com.${vendor}.${domain}_${role}_${i}`,
    name: `${domain[0]!.toUpperCase()}${domain.slice(1)} ${role[0]!.toUpperCase()}${role.slice(1)} ${i % 1000}`,
    version: `${i % 5}.${i % 13}.${i % 7}`,
    description: `${pick(VERBS)} ${pick(OBJECTS)} ${pick(QUALIFIERS)}. ${pick(VERBS)} ${pick(OBJECTS)} for ${kw.join(", ")} work.`,
    capabilities: some(CAPS, 1, 4),
    integration_points: some(INTEGRATIONS, 0, 3),
    keywords: kw,
    tool_summary: Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, k) => ({ name: `${domain}_${pick(["run", "list", "get", "check", "draft"])}_${k}`, description: `${pick(VERBS)} ${pick(OBJECTS)}` })),
  };
}

function queries(): string[] {
  const qs: string[] = [];
  for (let i = 0; qs.length < QUERIES; i++) {
    switch (i % 8) {
      case 0: qs.push(zipf(DOMAINS)); break; // common word
      case 1: qs.push(DOMAINS[DOMAINS.length - 1 - Math.floor(rand() * 10)]!); break; // rare word
      case 2: qs.push(pick(DOMAINS).slice(0, 3)); break; // prefix
      case 3: qs.push(`${zipf(DOMAINS)} ${pick(ROLES)}`); break; // two words
      case 4: qs.push(`${pick(OBJECTS).split(" ")[0]} ${pick(DOMAINS)} ${pick(ROLES)}`); break; // three words
      case 5: qs.push(pick(INTEGRATIONS)); break; // tool/integration name in text
      case 6: qs.push(`${pick(["zzz", "qwx", "nomatch"])}${i}`); break; // miss
      default: qs.push(pick(OBJECTS)); break; // phrase from descriptions
    }
  }
  return qs;
}

function filterFor(i: number): SearchFilter {
  switch (i % 4) {
    case 0: return { capability: pick(CAPS) };
    case 1: return { integration: pick(INTEGRATIONS) };
    case 2: return { source: "remote", minTrust: 0.5 };
    default: return { status: "local_uninstalled" };
  }
}

/** ms: wall time per call; cpu: this process's CPU time per call (steadier than wall time on a shared machine). */
interface Stat { group: string; ms: number[]; cpu?: number[]; hits: number }
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f2 = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "os-bench-search-"));
  try {
    const home = join(dir, "home");
    if (values.db) {
      mkdirSync(home, { recursive: true, mode: 0o700 });
      copyFileSync(values.db, join(home, "catalog.db"));
    }
    const s = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: home, OPENSENTIENCE_SCAN_ROOTS: "" } }));
    if (!values.db) for (const r of REGISTRIES) s.store.sqlite.run("INSERT INTO registries (name, git_url, ref, added_at) VALUES (?, ?, 'main', ?)", [r, `https://example.com/${r}.git`, new Date().toISOString()]);
    const t0 = performance.now();
    if (values.db) {
      // Same random stream as a fill, so the queries below are the same ones.
      for (let i = 0; i < N; i++) {
        genManifest(i);
        if (rand() < 0.3) (pick(REGISTRIES), pick([0, 1, 2, 3]), rand() < 0.8 && rand());
      }
    } else s.catalog.transaction(() => {
      for (let i = 0; i < N; i++) {
        const result = validateManifest(genManifest(i));
        if (!result.ok) throw new Error(`generated manifest ${i} invalid: ${JSON.stringify(result.problems)}`);
        const r = rand();
        if (r < 0.3) {
          const registry = pick(REGISTRIES);
          s.catalog.upsertListing(
            listingValues(`registry:${registry}:${result.manifest.id}`, "remote", result, "available", {
              registryName: registry,
              verification: pick(["verified", "community", "unverified", null]),
              trustScore: rand() < 0.8 ? Math.round(rand() * 100) / 100 : null,
            }),
          );
        } else {
          const status = r < 0.32 ? "missing" : "local_uninstalled";
          s.catalog.upsertListing(listingValues(`local:/home/u/Projects/a${i}`, "local", result, status, { path: `/home/u/Projects/a${i}` }));
        }
      }
    });
    const fillMs = performance.now() - t0;
    s.store.sqlite.run("PRAGMA optimize");
    const total = s.search.search({ limit: 1 }).total;
    if (values["keep-db"]) {
      s.store.sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
      s.store.sqlite.run(`VACUUM INTO '${values["keep-db"].replaceAll("'", "''")}'`);
      s.close();
      console.log(`catalog kept at ${values["keep-db"]}`);
      return;
    }
    if (!values.json && values.db) console.log(`catalog: ${total.toLocaleString("en-US")} agents from a copy of ${values.db}`);
    else if (!values.json) console.log(`catalog: ${total.toLocaleString("en-US")} agents filled in ${(fillMs / 1000).toFixed(1)} s (${Math.round(N / (fillMs / 1000)).toLocaleString("en-US")}/s via listingValues → upsertListing)`);

    const qs = queries();
    const stats: Stat[] = [];
    const measure = (group: string, fs: SearchFilter[]) => {
      // One untimed pass warms statement caches, then the timed pass.
      for (const f of fs.slice(0, 20)) s.search.search(f);
      const ms: number[] = [];
      const cpu: number[] = [];
      let hits = 0;
      for (const f of fs) {
        const c = process.cpuUsage();
        const t = performance.now();
        const page = s.search.search({ limit: 50, ...f });
        ms.push(performance.now() - t);
        const u = process.cpuUsage(c);
        cpu.push((u.user + u.system) / 1000);
        hits += page.total;
      }
      stats.push({ group, ms, cpu, hits: Math.round(hits / fs.length) });
      const worst = Number(values.slowest);
      if (worst > 0 && !values.json) {
        const order = cpu.map((c, i) => [c, i] as const).sort((a, b) => b[0] - a[0]).slice(0, worst);
        for (const [c, i] of order) console.log(`  slow ${group}: cpu ${f2(c)} ms, wall ${f2(ms[i]!)} ms  ${JSON.stringify(fs[i])}`);
      }
    };
    measure("search: query only", qs.map((query) => ({ query })));
    measure("search: query + one filter", qs.map((query, i) => ({ query, ...filterFor(i) })));
    measure("list: filters only, no query", qs.map((_, i) => filterFor(i)));
    measure("agents list page (limit 50, random offset)", qs.map(() => ({ offset: Math.floor(rand() * (total - 50)) })));
    measure("agents list first page", qs.slice(0, 100).map(() => ({})));

    if (!values["no-binary"]) {
      const bin = await binaryPath();
      s.close();
      const env = { PATH: process.env.PATH ?? "", HOME: dir, OPENSENTIENCE_HOME: home, OPENSENTIENCE_SCAN_ROOTS: "" };
      const runBin = (args: string[]) => {
        const t = performance.now();
        const r = Bun.spawnSync([bin, ...args], { env, stdout: "pipe", stderr: "pipe" });
        if (r.exitCode !== 0) throw new Error(`${args.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString()}`);
        return performance.now() - t;
      };
      const lists = Array.from({ length: 20 }, (_, i) => runBin(["agents", "list", "--json", "--offset", String(i * 997)]));
      stats.push({ group: "binary: agents list --json (process incl.)", ms: lists, hits: total });
      const searches = qs.slice(0, 20).map((q) => runBin(["agents", "search", q, "--json"]));
      stats.push({ group: "binary: agents search Q --json (process incl.)", ms: searches, hits: 0 });
      const version = Array.from({ length: 20 }, () => runBin(["--version"]));
      stats.push({ group: "binary: --version (process start floor)", ms: version, hits: 0 });
    } else {
      s.close();
    }

    if (values.json) {
      console.log(JSON.stringify({ agents: total, groups: stats.map((x) => ({ group: x.group, n: x.ms.length, p50: pct(x.ms, 50), p99: pct(x.ms, 99), cpuP99: x.cpu ? pct(x.cpu, 99) : null, hits: x.hits })) }));
      return;
    }
    const w = Math.max(...stats.map((x) => x.group.length));
    console.log(`\n${"".padEnd(w)}  ${"n".padStart(4)}  ${"p50 ms".padStart(7)}  ${"p99 ms".padStart(7)}  ${"mean ms".padStart(8)}  ${"max ms".padStart(7)}  ${"cpu p99".padStart(7)}  ${"vs 10 ms".padStart(8)}  avg total hits`);
    for (const x of stats) {
      const mean = x.ms.reduce((a, b) => a + b, 0) / x.ms.length;
      console.log(
        `${x.group.padEnd(w)}  ${String(x.ms.length).padStart(4)}  ${f2(pct(x.ms, 50)).padStart(7)}  ${f2(pct(x.ms, 99)).padStart(7)}  ${f2(mean).padStart(8)}  ${f2(Math.max(...x.ms)).padStart(7)}  ${(x.cpu ? f2(pct(x.cpu, 99)) : "-").padStart(7)}  ${(x.group.startsWith("binary") ? "-" : `${(pct(x.ms, 99) / 10).toFixed(2)}×`).padStart(8)}  ${x.hits ? x.hits.toLocaleString("en-US") : ""}`,
      );
    }
    console.log(`\n${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}, SQLite ${new (await import("bun:sqlite")).Database(":memory:").query<{ v: string }, []>("select sqlite_version() v").get()!.v}. Reproduce: bun bench/search.ts --agents ${N} --queries ${QUERIES} --seed ${SEED}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
