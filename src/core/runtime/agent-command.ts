/**
 * Turns a manifest entrypoint into the argv to spawn, inside the install dir.
 *
 * A `mix` (`opensentience.agent`) or `mix_run` entrypoint whose build output
 * is present starts "compiled": `erl` over the built ebin directories, with
 * the SDK's `OpenSentience.Boot` doing what the mix task would — without
 * loading Mix or the compiler (about 25 MB and a second less per agent, see
 * bench/agents.ts). Otherwise — a checkout in dev mode (mix recompiles it),
 * another mix task or extra arguments, no build output, an SDK without
 * `OpenSentience.Boot`, or `"runtime": {"launch": "mix"}` — it starts with
 * `mix` as before. `note` says which one and why (it goes to the agent's log).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { AGENT_MIX_ENV } from "../agent-env.ts";
import { AppError } from "../errors.ts";
import type { Manifest } from "../manifest/schema.ts";
import { findToolchain } from "../sandbox/probe.ts";
import { beamFlags } from "./beam-flags.ts";

export type LaunchKind = "compiled" | "mix" | "release";

export interface AgentCommand {
  argv: string[];
  kind: LaunchKind;
  /** Which launch and why, for the agent's log. */
  note: string;
}

export interface CommandOptions {
  /** A local checkout under development: always `mix` (it recompiles changed sources). */
  devMode: boolean;
  /** Elixir's own `lib/<app>/ebin` directories (the toolchain probe's `elixirEbins`); null when unknown. */
  elixirEbins: string[] | null;
}

/** The SDK application every compiled launch boots through. */
const SDK_APP = "opensentience_agent_sdk";
const BOOT_MODULE = "Elixir.OpenSentience.Boot";
/** Application and directory names that may appear in argv (never a flag, never a path). */
const APP_RE = /^[a-z][a-z0-9_]{0,127}$/;
/** `--agent My.Agent` of `mix opensentience.agent`. */
const MODULE_RE = /^[A-Z][A-Za-z0-9_]{0,127}(\.[A-Z][A-Za-z0-9_]{0,127}){0,15}$/;

export function agentCommand(manifest: Pick<Manifest, "entrypoint" | "runtime">, installPath: string, opts: CommandOptions): AgentCommand {
  const ep = manifest.entrypoint;
  if (ep.type === "release") {
    const bin = resolve(installPath, ep.path);
    if (!bin.startsWith(installPath.endsWith(sep) ? installPath : installPath + sep)) {
      throw new AppError("invalid_manifest", `entrypoint path ${ep.path} leaves the install directory`);
    }
    return { argv: [bin, ...ep.args], kind: "release", note: "launch: release (the entrypoint's own program)" };
  }
  const mixArgv = ep.type === "mix" ? ["mix", ep.task, ...ep.args] : ["mix", "run", "--no-halt", ...ep.args];
  const viaMix = (why: string): AgentCommand => ({ argv: mixArgv, kind: "mix", note: `launch: mix (${why})` });

  if (manifest.runtime?.launch === "mix") return viaMix('the manifest asks for it: "runtime": {"launch": "mix"}');
  if (opts.devMode) return viaMix("a local checkout in dev mode is recompiled by mix");
  let boot: string[];
  if (ep.type === "mix") {
    if (ep.task !== "opensentience.agent") return viaMix(`task ${ep.task} runs only under mix`);
    const agent = agentArg(ep.args);
    if (agent === undefined) return viaMix(`arguments ${JSON.stringify(ep.args)} are for mix`);
    boot = ["agent", ...(agent ? [`Elixir.${agent}`] : [])];
  } else {
    if (ep.args.length) return viaMix(`arguments ${JSON.stringify(ep.args)} are for mix run`);
    boot = ["app"];
  }
  if (!opts.elixirEbins?.length) return viaMix("Elixir's lib directories were not found");
  const build = builtApps(installPath);
  if ("missing" in build) return viaMix(build.missing);
  const { root, libDir, apps } = build;
  if (!existsSync(join(libDir, SDK_APP, "ebin", `${BOOT_MODULE}.beam`))) return viaMix("the build's SDK has no OpenSentience.Boot (an older SDK)");
  // Consolidated protocols first, as mix puts them; then the build's applications; then Elixir's (never Mix's).
  const consolidated = join(libDir, root, "consolidated");
  const paths = [...(existsSync(consolidated) ? [consolidated] : []), ...apps.map((a) => join(libDir, a, "ebin")), ...opts.elixirEbins.filter((e) => !/\/mix\/ebin\/?$/.test(e))];
  const argv = ["erl", ...beamFlags(manifest.runtime?.beam), "-noshell", "-pa", ...paths, "-s", BOOT_MODULE, boot[0]!, root, ...boot.slice(1)];
  return { argv, kind: "compiled", note: `launch: compiled (${root} from _build/${AGENT_MIX_ENV}, no Mix at run time)` };
}

let ebins: string[] | null | undefined;
/** Elixir's `lib/<app>/ebin` directories, found on PATH once per daemon (as the sandbox's toolchain probe finds them). */
export function toolchainEbins(): string[] | null {
  if (ebins === undefined) ebins = findToolchain()?.elixirEbins ?? null;
  return ebins;
}

/** `[]` → null (find the agent), `["--agent", "M"]` → "M"; anything else → undefined (only mix understands it). */
function agentArg(args: readonly string[]): string | null | undefined {
  if (args.length === 0) return null;
  if (args.length === 2 && args[0] === "--agent" && MODULE_RE.test(args[1]!)) return args[1]!;
  const eq = args.length === 1 ? /^--agent=(.+)$/.exec(args[0]!) : null;
  if (eq && MODULE_RE.test(eq[1]!)) return eq[1]!;
  return undefined;
}

/**
 * The applications of `_build/<env>/lib` and which one is the project's: the
 * only one no other application lists (the SDK is a dependency of the
 * project's own application). Read as text, never evaluated.
 */
function builtApps(installPath: string): { root: string; libDir: string; apps: string[] } | { missing: string } {
  const libDir = join(installPath, "_build", AGENT_MIX_ENV, "lib");
  let names: string[];
  try {
    names = readdirSync(libDir).filter((n) => APP_RE.test(n)).sort();
  } catch {
    return { missing: `no build output in _build/${AGENT_MIX_ENV}` };
  }
  const apps: string[] = [];
  const listed = new Set<string>();
  for (const name of names) {
    let text: string;
    try {
      text = readFileSync(join(libDir, name, "ebin", `${name}.app`), "utf8");
    } catch {
      continue;
    }
    apps.push(name);
    for (const m of text.matchAll(/\{\s*(?:included_)?applications\s*,\s*\[([^\]]*)\]/g)) for (const dep of m[1]!.split(",")) listed.add(dep.trim().replace(/^'|'$/g, ""));
  }
  if (!apps.includes(SDK_APP)) return { missing: `the build has no ${SDK_APP} application` };
  const roots = apps.filter((a) => !listed.has(a));
  if (roots.length !== 1) return { missing: `cannot tell the project's application in _build/${AGENT_MIX_ENV} (${roots.length ? roots.join(", ") : "none"})` };
  return { root: roots[0]!, libDir, apps };
}
