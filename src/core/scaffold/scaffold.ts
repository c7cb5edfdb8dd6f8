/**
 * `opensentience agents new`: writes a new agent project. The project is
 * written into a temp directory beside the target and renamed into place, so
 * a failure leaves nothing half-made, and an existing path is never touched.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { AppError } from "../errors.ts";
import { type AgentNames, agentNames } from "./names.ts";
import { sdkFallbackFor } from "./sdk-link.ts";
import { type SdkFallback, scaffoldFiles } from "./templates.ts";

export interface ScaffoldOptions {
  name: string;
  /** Manifest id; default `local.<name>`. */
  id?: string;
  /** Directory the project directory is created in. */
  parentDir: string;
  /** The SDK this machine uses; only decides the fallback (mix.exs never names it when outside a checkout). */
  sdkPath: string;
}

export interface ScaffoldResult {
  path: string;
  names: AgentNames;
  /** Relative paths, sorted. */
  files: string[];
  sdk_path: string;
  /** What mix.exs falls back to when OPENSENTIENCE_SDK_PATH is unset. */
  sdk_fallback: SdkFallback;
}

export function scaffoldAgent(opts: ScaffoldOptions): ScaffoldResult {
  const names = agentNames(opts.name, opts.id);
  const parent = resolve(opts.parentDir);
  const target = join(parent, names.dir);
  if (existsSync(target)) throw new AppError("conflict", `${target} already exists; choose another name or --dir (nothing was changed)`);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw new AppError("io", `cannot create ${parent}: ${(e as Error).message}`, { cause: e });
  }
  if (!statSync(parent).isDirectory()) throw new AppError("invalid_argument", `${parent} is not a directory`);
  const fallback = sdkFallbackFor(target, opts.sdkPath);
  const files = scaffoldFiles(names, fallback);
  const tmp = mkdtempSync(join(parent, `.${names.dir}.new-`));
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(tmp, rel)), { recursive: true });
      writeFileSync(join(tmp, rel), text, { flag: "wx" });
    }
    chmodSync(tmp, 0o755 & ~process.umask());
    if (existsSync(target)) throw new AppError("conflict", `${target} appeared while writing; nothing was changed`);
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { path: target, names, files: Object.keys(files).sort(), sdk_path: opts.sdkPath, sdk_fallback: fallback };
}
