/**
 * The stable SDK path new projects fall back to: `$OPENSENTIENCE_HOME/sdk/elixir`.
 * The SDK this binary carries is written out under a versioned name
 * (`sdk/elixir-<version>-<hash>`), so a project cannot name it without naming
 * this machine and this release; the stable path is a symlink to it, moved
 * (atomically) when a newer binary writes out a newer SDK. A real directory
 * there, or a link to anywhere else, is the user's own SDK and is never replaced.
 */
import { existsSync, lstatSync, mkdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { DataPaths } from "../config/paths.ts";
import { AppError } from "../errors.ts";
import { MARKER_FILE } from "../bundled/bundled.ts";
import type { SdkFallback } from "./templates.ts";

export const stableSdkDir = (paths: DataPaths): string => join(paths.home, "sdk", "elixir");

export interface StableSdk {
  /** The stable path mix.exs falls back to. */
  path: string;
  /** The SDK it resolves to. */
  target: string;
  /** `linked`: (re)pointed now; `current`: already pointed there; `own`: the user's directory or link, left alone. */
  state: "linked" | "current" | "own";
}

/** Makes `<home>/sdk/elixir` lead to `sdk`, unless the user keeps their own SDK there. */
export function linkStableSdk(paths: DataPaths, sdk: string): StableSdk {
  const path = stableSdkDir(paths);
  if (resolve(sdk) === path) return { path, target: path, state: "current" };
  let st: ReturnType<typeof lstatSync> | null = null;
  try {
    st = lstatSync(path);
  } catch {
    st = null;
  }
  if (st && !st.isSymbolicLink()) return { path, target: path, state: "own" };
  if (st) {
    const current = readlinkSync(path);
    if (current === sdk) return { path, target: sdk, state: "current" };
    // Ours to move: a link into our own written-out copies, or one that leads nowhere. Any other link is the user's.
    const ours = resolve(dirname(path), current).startsWith(join(paths.home, "sdk") + sep) || !existsSync(path);
    if (!ours) return { path, target: resolve(dirname(path), current), state: "own" };
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.elixir.link-${process.pid}-${crypto.randomUUID().slice(0, 8)}`);
  try {
    symlinkSync(sdk, tmp);
    renameSync(tmp, path); // replaces an old link in one step
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never made
    }
    throw new AppError("io", `cannot link ${path} to ${sdk}: ${(e as Error).message}`, { cause: e });
  }
  return { path, target: sdk, state: "linked" };
}

/**
 * The fallback written into a new project's mix.exs: a path relative to the
 * project when both it and the SDK are inside one OpenSentience checkout
 * (`<root>/sdk/elixir`, not a written-out copy), else the data directory's
 * stable path.
 */
export function sdkFallbackFor(projectDir: string, sdk: string): SdkFallback {
  const root = resolve(sdk, "..", "..");
  const inCheckout = resolve(sdk) === join(root, "sdk", "elixir") && !existsSync(join(sdk, MARKER_FILE)) && existsSync(join(sdk, "mix.exs"));
  if (inCheckout && resolve(projectDir).startsWith(root + sep)) return { kind: "relative", path: relative(resolve(projectDir), resolve(sdk)) };
  return { kind: "data_dir" };
}
