/**
 * Registry sync at scale, against the goals of issue 13 (goal 2).
 *
 *   bun bench/registry-sync.ts [--entries 10000] [--keep] [--json]
 *
 * Builds (with `git fast-import`, in a temp dir) a real registry repository of
 * `entries` valid entries and three later commits, served over a file:// URL,
 * then runs, each in a fresh `bun` child process against one data directory
 * (so each row has its own peak RSS and nothing is cached in memory):
 *   1. first sync          (empty catalog, clone + read every entry)
 *   2. no-op sync          (remote head unchanged)
 *   3. one changed entry   (head moved by one commit changing one entry)
 *   4. 100 changed entries (head moved by one commit changing 100 entries)
 * Time is measured inside the child around `Registries.sync()` only (process
 * start and service creation are not counted). Peak RSS is the child's own
 * VmHWM (the daemon process; git's own processes are not included).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    entries: { type: "string", default: "10000" },
    keep: { type: "boolean", default: false },
    child: { type: "boolean", default: false },
    home: { type: "string" },
    url: { type: "string" },
    add: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});

if (values.child) await child();
else await main();

/** One sync in this process; prints one JSON line. */
async function child(): Promise<void> {
  const { loadConfig } = await import("../src/core/config/load.ts");
  const { createServices } = await import("../src/core/services.ts");
  const home = values.home!;
  const s = createServices(loadConfig({ env: { PATH: process.env.PATH, OPENSENTIENCE_HOME: home, OPENSENTIENCE_SCAN_ROOTS: join(home, "..", "scan"), OPENSENTIENCE_EXAMPLES: "0" } }));
  if (values.add) s.registries.add({ name: "bench", gitUrl: values.url! }, { actor: "cli" });
  const t0 = performance.now();
  let out: Record<string, unknown>;
  try {
    const r = await s.registries.sync("bench", { actor: "cli" });
    out = { ms: performance.now() - t0, added: r.added.length, updated: r.updated.length, removed: r.removed.length, unchanged: r.unchanged, errors: r.errors.length };
  } catch (e) {
    out = { ms: performance.now() - t0, error: (e as Error).message };
  }
  // VmHWM is this process's own peak: getrusage's maxRSS inherits the parent's peak across fork/exec on Linux.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  out.rssMb = (hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024;
  // Close like the daemon would at exit (checkpoints the WAL), so the next phase starts from a clean catalog.
  s.close();
  console.log(JSON.stringify(out));
  process.exit(0);
}

function sh(cmd: string[], cwd: string, input?: string): string {
  const r = Bun.spawnSync(cmd, { cwd, stdin: input === undefined ? "ignore" : Buffer.from(input), stdout: "pipe", stderr: "pipe", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: cwd } });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

function entry(i: number, version: string): string {
  const id = `com.bench.agent${String(i).padStart(6, "0")}`;
  const manifest = {
    manifest_version: 1,
    id,
    name: `Bench agent ${i}`,
    version,
    description: `Benchmark agent number ${i}: does useful things with tools, resources and prompts for testing registry sync.`,
    entrypoint: { type: "mix", task: "opensentience.agent", args: [] },
    permissions: ["network:egress:api.example.com", "env:read:BENCH_TOKEN"],
    capabilities: ["tools"],
    keywords: ["bench", `group${i % 50}`],
    tool_summary: [
      { name: "search", description: "Searches things" },
      { name: "fetch", description: "Fetches a thing" },
    ],
  };
  return JSON.stringify(
    {
      id,
      git_url: `https://git.example.com/bench/agent${i}.git`,
      default_ref: "main",
      manifest_path: "opensentience.agent.json",
      manifest,
      publisher: { name: "Bench Publisher", url: "https://example.com" },
      verification: { level: "verified", issuer: "bench-ca", issued_at: "2026-01-01" },
      trust_score: 0.5,
      deprecated: false,
      keywords: ["registry-keyword"],
    },
    null,
    2,
  );
}

/** fast-import stream: commit on `ref` (parent = previous commit on it) writing the given files. */
function commitStream(ref: string, mark: number, files: Array<[string, string]>, message: string): string {
  const parts: string[] = [];
  parts.push(`commit ${ref}\nmark :${mark}\ncommitter Bench <bench@example.com> 1767225600 +0000\ndata ${Buffer.byteLength(message)}\n${message}\n`);
  // Later commits on the same ref in one stream take the ref's current tip as parent.
  for (const [path, content] of files) parts.push(`M 100644 inline ${path}\ndata ${Buffer.byteLength(content)}\n${content}\n`);
  parts.push("\n");
  return parts.join("");
}

async function main(): Promise<void> {
  const N = Number(values.entries);
  const root = mkdtempSync(join(tmpdir(), "os-bench-regsync-"));
  const repo = join(root, "registry.git");
  const home = join(root, "data");
  try {
    const tb = performance.now();
    sh(["git", "init", "-q", "--bare", repo], root);
    const all: Array<[string, string]> = [["registry.json", JSON.stringify({ registry_version: 1, name: "Bench registry", description: `${N} entries` })]];
    for (let i = 0; i < N; i++) all.push([`agents/com.bench.agent${String(i).padStart(6, "0")}.json`, entry(i, "1.0.0")]);
    const one: Array<[string, string]> = [[`agents/com.bench.agent${String(Math.floor(N / 2)).padStart(6, "0")}.json`, entry(Math.floor(N / 2), "1.0.1")]];
    const hundred: Array<[string, string]> = [];
    for (let k = 0; k < 100; k++) {
      const i = Math.floor((k * N) / 100);
      hundred.push([`agents/com.bench.agent${String(i).padStart(6, "0")}.json`, entry(i, "2.0.0")]);
    }
    const stream = commitStream("refs/heads/main", 1, all, "initial") + commitStream("refs/heads/main", 2, one, "one changed") + commitStream("refs/heads/main", 3, hundred, "100 changed");
    sh(["git", "--git-dir", repo, "fast-import", "--quiet"], root, stream);
    const c3 = sh(["git", "--git-dir", repo, "rev-parse", "main"], root);
    const c2 = sh(["git", "--git-dir", repo, "rev-parse", "main~1"], root);
    const c1 = sh(["git", "--git-dir", repo, "rev-parse", "main~2"], root);
    sh(["git", "--git-dir", repo, "gc", "-q"], root);
    const buildMs = performance.now() - tb;
    const url = `file://${repo}`;
    Bun.spawnSync(["mkdir", "-p", home, join(root, "scan")]);
    writeFileSync(join(home, "config.json"), JSON.stringify(N > 50_000 ? { limits: { max_registry_entries: N } } : {}));

    const run = (add = false): Record<string, unknown> => {
      const args = ["bun", import.meta.path, "--child", "--home", home, "--url", url, ...(add ? ["--add"] : [])];
      const r = Bun.spawnSync(args, { stdout: "pipe", stderr: "pipe", env: process.env });
      const line = r.stdout.toString().trim().split("\n").pop() ?? "";
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { error: `child failed: ${r.stderr.toString().slice(-500)}` };
      }
    };
    const setHead = (c: string) => sh(["git", "--git-dir", repo, "update-ref", "refs/heads/main", c], root);

    const rows: Array<[string, string, Record<string, unknown>]> = [];
    setHead(c1);
    const goals = { first: 5000, noop: 100, one: 1000 };
    rows.push(["first sync", "< 5,000 ms", run(true)]);
    rows.push(["no-op sync (head unchanged)", "< 100 ms", run()]);
    setHead(c2);
    rows.push(["1 entry changed", "< 1,000 ms", run()]);
    setHead(c3);
    rows.push(["100 entries changed", "-", run()]);
    if (values.json) {
      // One line for bench/run-all.ts: goals in ms (null: none).
      const goal = [goals.first, goals.noop, goals.one, null];
      console.log(JSON.stringify({ entries: N, rows: rows.map(([name, , r], i) => ({ name, goalMs: goal[i], ...r })) }));
      return;
    }

    console.log(`registry sync, ${N.toLocaleString("en-US")} entries (registry built in ${Math.round(buildMs)} ms; ${new Date().toISOString()})`);
    console.log("| sync | time | goal | peak RSS | result |");
    console.log("|---|---:|---|---:|---|");
    for (const [name, goal, r] of rows) {
      const result = r.error ? `ERROR: ${String(r.error).slice(0, 120)}` : `+${r.added} ~${r.updated} -${r.removed} =${r.unchanged} bad ${r.errors}`;
      console.log(`| ${name} | ${typeof r.ms === "number" ? `${Math.round(r.ms).toLocaleString("en-US")} ms` : "-"} | ${goal} | ${typeof r.rssMb === "number" ? `${Math.round(r.rssMb)} MB` : "-"} | ${result} |`);
    }
  } finally {
    if (values.keep) console.log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}
