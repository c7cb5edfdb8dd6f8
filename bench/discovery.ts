/**
 * Discovery over a large tree, against `find` as the baseline.
 *
 *   bun bench/discovery.ts [--repos 1000] [--dirs-per-repo 55] [--runs 5] [--no-binary]
 *
 * Generates (deterministically, in a temp dir) `repos` agent checkouts of
 * `dirs-per-repo` directories each (default 1,000 × 55 ≈ 55k directories, 1k
 * manifests, ~53k files), then times on the same tree:
 *   - find ROOT -name opensentience.agent.json           (baseline: walk only)
 *   - Discovery service, cold (empty catalog: reads, validates and inserts 1k)
 *   - Discovery service, warm rescan (nothing changed: stat-only fast path)
 *   - Discovery service, rescan after 10 manifests changed
 *   - compiled binary `discover --json ROOT`, cold and warm (includes process start)
 * Each is run `runs` times; the table shows median and min. The tree has no
 * skipped directories (_build, deps …) so discovery and find walk the same set.
 * The page cache is warm for every row (the tree was just written): "cold"
 * means an empty catalog, not a cold disk.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/core/config/load.ts";
import { createServices } from "../src/core/services.ts";
import { binaryPath } from "../test/helpers/binary.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    repos: { type: "string", default: "1000" },
    "dirs-per-repo": { type: "string", default: "55" },
    runs: { type: "string", default: "5" },
    "no-binary": { type: "boolean", default: false },
  },
});
const REPOS = Number(values.repos);
const DIRS_PER_REPO = Math.max(5, Number(values["dirs-per-repo"]));
const RUNS = Math.max(1, Number(values.runs));
const MANIFEST = "opensentience.agent.json";

/** Small deterministic PRNG (mulberry32) so every run builds the same tree. */
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

const WORDS = ["git", "commit", "review", "deploy", "metrics", "summary", "invoice", "calendar", "search", "translate", "lint", "test", "docs", "chat", "weather", "ticket"];

/** Builds the tree; returns [root, directories, files, manifests]. */
function generate(base: string): { root: string; dirs: number; files: number; manifests: number } {
  const rand = prng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const root = join(base, "root");
  let dirs = 1;
  let files = 0;
  mkdirSync(root);
  const orgs = Math.max(1, Math.round(REPOS / 50));
  for (let r = 0; r < REPOS; r++) {
    const org = join(root, `org-${String(r % orgs).padStart(3, "0")}`);
    if (r < orgs) {
      mkdirSync(org);
      dirs++;
    }
    const repo = join(org, `repo-${String(r).padStart(4, "0")}`);
    // Per repo: repo/, lib/, test/, config/, priv/, then lib/m<i>/ and lib/m<i>/s<j>/ to fill the quota.
    const top = ["lib", "test", "config", "priv"];
    mkdirSync(repo);
    for (const t of top) mkdirSync(join(repo, t));
    let made = 1 + top.length;
    for (let i = 0; made < DIRS_PER_REPO; i++) {
      const m = join(repo, "lib", `m${i}`);
      mkdirSync(m);
      made++;
      writeFileSync(join(m, `m${i}.ex`), `defmodule M${i} do\nend\n`);
      files++;
      for (let j = 0; j < 4 && made < DIRS_PER_REPO; j++) {
        mkdirSync(join(m, `s${j}`));
        writeFileSync(join(m, `s${j}`, `s${j}.ex`), `defmodule M${i}.S${j} do\nend\n`);
        made++;
        files++;
      }
    }
    dirs += made;
    writeFileSync(join(repo, "mix.exs"), "defmodule Repo.MixProject do\nend\n");
    writeFileSync(join(repo, "README.md"), "# repo\n");
    const kw = [pick(WORDS), pick(WORDS)];
    writeFileSync(
      join(repo, MANIFEST),
      JSON.stringify({
        manifest_version: 1,
        id: `com.bench.agent_${r}`,
        name: `Agent ${r} ${kw[0]}`,
        version: `1.${r % 10}.0`,
        description: `Helps with ${kw.join(" and ")} for repository ${r}.`,
        capabilities: ["tools"],
        keywords: kw,
        tool_summary: [{ name: `${kw[0]}_run`, description: `Run ${kw[0]}` }],
      }),
    );
    files += 3;
  }
  return { root, dirs, files, manifests: REPOS };
}

interface Row {
  what: string;
  ms: number[];
  note: string;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

async function timeIt(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main() {
  const base = mkdtempSync(join(tmpdir(), "os-bench-discovery-"));
  try {
    const tGen = performance.now();
    const tree = generate(base);
    const genMs = performance.now() - tGen;
    console.log(`tree: ${tree.dirs.toLocaleString("en-US")} directories, ${tree.files.toLocaleString("en-US")} files, ${tree.manifests} manifests (generated in ${(genMs / 1000).toFixed(1)} s at ${tree.root})`);
    const rows: Row[] = [];

    // Baseline: find.
    const findMs: number[] = [];
    let findCount = 0;
    for (let i = 0; i < RUNS; i++) {
      findMs.push(
        await timeIt(() => {
          const r = Bun.spawnSync(["find", tree.root, "-name", MANIFEST]);
          findCount = r.stdout.toString().split("\n").filter(Boolean).length;
        }),
      );
    }
    rows.push({ what: "find ROOT -name opensentience.agent.json", ms: findMs, note: `${findCount} found (process incl.)` });

    // Service: cold (fresh catalog each run), warm rescan, rescan with changes.
    const cold: number[] = [];
    const warm: number[] = [];
    const changed: number[] = [];
    let visited = 0;
    let found = 0;
    let warmUnchanged = 0;
    for (let i = 0; i < RUNS; i++) {
      const home = join(base, `home-svc-${i}`);
      const s = createServices(loadConfig({ env: { OPENSENTIENCE_HOME: home, OPENSENTIENCE_SCAN_ROOTS: tree.root } }));
      try {
        cold.push(
          await timeIt(() => {
            const r = s.discovery.run();
            visited = r.dirsVisited;
            found = r.found;
            if (r.added.length !== tree.manifests) throw new Error(`cold scan added ${r.added.length}, expected ${tree.manifests}`);
          }),
        );
        warm.push(
          await timeIt(() => {
            const r = s.discovery.run();
            warmUnchanged = r.unchanged;
            if (r.updated.length || r.added.length) throw new Error("warm rescan saw changes");
          }),
        );
        for (let k = 0; k < 10; k++) {
          const r = (k * 97 + i) % tree.manifests;
          const org = `org-${String(r % Math.max(1, Math.round(REPOS / 50))).padStart(3, "0")}`;
          const file = join(tree.root, org, `repo-${String(r).padStart(4, "0")}`, MANIFEST);
          const m = JSON.parse(await Bun.file(file).text());
          m.description = `${m.description} (edit ${i})`;
          writeFileSync(file, JSON.stringify(m));
        }
        changed.push(
          await timeIt(() => {
            const r = s.discovery.run();
            if (r.updated.length !== 10) throw new Error(`expected 10 updated, got ${r.updated.length}`);
          }),
        );
      } finally {
        s.close();
      }
    }
    rows.push({ what: "service: cold discovery (empty catalog)", ms: cold, note: `${visited.toLocaleString("en-US")} dirs, ${found} manifests` });
    rows.push({ what: "service: warm rescan, nothing changed", ms: warm, note: `${warmUnchanged} unchanged, no reads` });
    rows.push({ what: "service: rescan, 10 manifests changed", ms: changed, note: "10 read + upserted" });

    // Compiled binary: includes process start, config load, DB open, JSON output.
    if (!values["no-binary"]) {
      const bin = await binaryPath();
      const bcold: number[] = [];
      const bwarm: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const env = { PATH: process.env.PATH ?? "", HOME: base, OPENSENTIENCE_HOME: join(base, `home-bin-${i}`), OPENSENTIENCE_SCAN_ROOTS: tree.root };
        for (const sink of [bcold, bwarm]) {
          let code = 0;
          sink.push(
            await timeIt(() => {
              const r = Bun.spawnSync([bin, "discover", "--json", tree.root], { env, stdout: "pipe", stderr: "pipe" });
              code = r.exitCode;
            }),
          );
          if (code !== 0) throw new Error(`binary discover exited ${code}`);
        }
      }
      rows.push({ what: "binary: discover --json ROOT, cold", ms: bcold, note: "process incl." });
      rows.push({ what: "binary: discover --json ROOT, warm", ms: bwarm, note: "process incl." });
    }

    const w = Math.max(...rows.map((r) => r.what.length));
    console.log(`\n${"".padEnd(w)}  ${"median ms".padStart(10)}  ${"min ms".padStart(8)}  ${"x find".padStart(7)}  note`);
    const findMed = median(findMs);
    for (const r of rows) {
      const med = median(r.ms);
      console.log(`${r.what.padEnd(w)}  ${fmt(med).padStart(10)}  ${fmt(Math.min(...r.ms)).padStart(8)}  ${(med / findMed).toFixed(2).padStart(7)}  ${r.note}`);
    }
    console.log(`\n${RUNS} runs each on ${navigator.hardwareConcurrency} CPUs, bun ${Bun.version}. Reproduce: bun bench/discovery.ts --repos ${REPOS} --dirs-per-repo ${DIRS_PER_REPO} --runs ${RUNS}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
