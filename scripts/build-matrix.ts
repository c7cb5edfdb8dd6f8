#!/usr/bin/env bun
/**
 * Release builds: `bun scripts/build-matrix.ts [--targets linux-x64,darwin-arm64] [--timeout-ms N]`
 *
 * Builds dist/opensentience-<os>-<arch> for each target through scripts/build.ts
 * (`bun build --compile --target=bun-<os>-<arch>`) and writes dist/SHA256SUMS
 * (`sha256sum -c` format) for the binaries that built. Cross-compiling needs Bun
 * to download the other platforms' runtimes; without network only the host
 * target builds. That is reported per target, and the exit status is 0 as long
 * as the host target built.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";

export const ALL_TARGETS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"] as const;

export function hostTarget(platform: string = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch}`;
}

/** `sha256sum` output: "<hex>  <name>" per line, sorted by name. */
export function sha256sumsText(entries: Array<{ name: string; sha256: string }>): string {
  return [...entries]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((e) => `${e.sha256}  ${e.name}\n`)
    .join("");
}

async function sha256(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

interface Outcome {
  target: string;
  ok: boolean;
  file: string;
  detail: string;
  ms: number;
}

async function buildOne(root: string, target: string, timeoutMs: number): Promise<Outcome> {
  const file = join(root, "dist", `opensentience-${target}`);
  const tmp = `${file}.${process.pid}.tmp`;
  const t0 = performance.now();
  const proc = Bun.spawn([process.execPath, "scripts/build.ts", "--target", `bun-${target}`, "--outfile", tmp], { cwd: root, stdout: "pipe", stderr: "pipe" });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  const ms = Math.round(performance.now() - t0);
  if (proc.exitCode === 0 && existsSync(tmp)) {
    renameSync(tmp, file);
    return { target, ok: true, file, detail: `${(statSync(file).size / 1024 ** 2).toFixed(1)} MB`, ms };
  }
  rmSync(tmp, { force: true });
  const why = timedOut ? `timed out after ${timeoutMs} ms (downloading the target runtime?)` : (err.trim() || out.trim()).split("\n").filter(Boolean).slice(-3).join(" | ");
  return { target, ok: false, file, detail: why || `exit ${proc.exitCode}`, ms };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ args: Bun.argv.slice(2), options: { targets: { type: "string" }, "timeout-ms": { type: "string" } } });
  const root = resolve(import.meta.dir, "..");
  const targets = values.targets ? values.targets.split(",").map((t) => t.trim()).filter(Boolean) : [...ALL_TARGETS];
  const unknown = targets.filter((t) => !(ALL_TARGETS as readonly string[]).includes(t));
  if (unknown.length) {
    console.error(`unknown target(s): ${unknown.join(", ")}; known: ${ALL_TARGETS.join(", ")}`);
    return 2;
  }
  const timeoutMs = Number(values["timeout-ms"] ?? 300_000);
  const host = hostTarget();
  // Host first: it needs no download, and the exit status depends on it.
  const ordered = [...targets].sort((a, b) => (a === host ? -1 : b === host ? 1 : 0));
  const outcomes: Outcome[] = [];
  for (const t of ordered) {
    console.log(`==> ${t}${t === host ? " (host)" : ""}`);
    const o = await buildOne(root, t, timeoutMs);
    console.log(`    ${o.ok ? "built" : "NOT BUILT"} in ${o.ms} ms: ${o.detail}`);
    outcomes.push(o);
  }
  const built = outcomes.filter((o) => o.ok);
  const sums = await Promise.all(built.map(async (o) => ({ name: basename(o.file), sha256: await sha256(o.file) })));
  const sumsFile = join(root, "dist", "SHA256SUMS");
  // Never leave a SHA256SUMS from an earlier run describing binaries this run did not build.
  if (sums.length) writeFileSync(sumsFile, sha256sumsText(sums));
  else rmSync(sumsFile, { force: true });

  console.log("");
  console.log("target          result");
  for (const o of outcomes) console.log(`${o.target.padEnd(14)}  ${o.ok ? `ok      dist/${basename(o.file)}` : `FAILED  ${o.detail}`}`);
  if (sums.length) console.log(`\nwrote dist/SHA256SUMS (${sums.length} binar${sums.length === 1 ? "y" : "ies"}); verify with: cd dist && sha256sum -c SHA256SUMS`);
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) {
    console.log(`\n${failed.length} target(s) not built: ${failed.map((o) => o.target).join(", ")}.`);
    console.log("Cross-compiling downloads each target's Bun runtime; without network access only the host target can be built. Re-run where the network is available.");
  }
  const hostRequested = targets.includes(host);
  const hostOk = outcomes.some((o) => o.target === host && o.ok);
  if (hostRequested) {
    console.log(hostOk ? `\nhost target ${host} built: OK` : `\nhost target ${host} FAILED`);
    return hostOk ? 0 : 1;
  }
  return failed.length === 0 ? 0 : 1;
}

if (import.meta.main) process.exit(await main());
