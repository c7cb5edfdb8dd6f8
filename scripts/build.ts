#!/usr/bin/env bun
/**
 * Builds the single self-contained executable: `bun run build [--target T] [--outfile F]`.
 * Migrations, assets, the SDK and examples are embedded through imports.
 */
import { $ } from "bun";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { target: { type: "string" }, outfile: { type: "string" } },
});
// OPENSENTIENCE_COMMIT names the build where there is no .git (e.g. a Docker build context).
const commitFromEnv = process.env.OPENSENTIENCE_COMMIT?.trim();
const commit = commitFromEnv || (await $`git rev-parse --short=12 HEAD`.nothrow().quiet()).stdout.toString().trim() || "unknown";
const dirty = !commitFromEnv && (await $`git status --porcelain`.nothrow().quiet()).stdout.toString().trim() ? "-dirty" : "";
const outfile = values.outfile ?? (values.target ? `dist/opensentience-${values.target.replace(/^bun-/, "")}` : "dist/opensentience");

const args = [
  "build",
  "--compile",
  "--minify-syntax",
  "--bytecode",
  // The binary must not read bunfig.toml (its `preload` runs code) or .env files from the directory it is started
  // in: that is often an agent's checkout (the sandbox's exec step runs there), i.e. someone else's files.
  "--no-compile-autoload-bunfig",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-tsconfig",
  "--no-compile-autoload-package-json",
  "--format=esm",
  // One chunk per dynamic import: `--version`/`--help` load the dispatcher's few KB, not every command (CLI start, issue 13).
  "--splitting",
  `--define=__OPENSENTIENCE_COMMIT__=${JSON.stringify(commit + dirty)}`,
  ...(values.target ? [`--target=${values.target}`] : []),
  "src/main.ts",
  "--outfile",
  outfile,
];
const t0 = performance.now();
const proc = Bun.spawnSync([process.execPath, ...args], { stdout: "inherit", stderr: "inherit" });
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
console.log(`built ${outfile} (${commit}${dirty}) in ${Math.round(performance.now() - t0)} ms`);
