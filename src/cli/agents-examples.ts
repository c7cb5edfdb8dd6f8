import { resolve } from "node:path";
import { sdkPath } from "../core/agent-env.ts";
import { EMBEDDED_EXAMPLES, materializeExamples } from "../core/bundled/bundled.ts";
import { ensureDataDir } from "../core/config/load.ts";
import { dataPaths, resolveHome } from "../core/config/paths.ts";
import { AppError } from "../core/errors.ts";
import { linkStableSdk } from "../core/scaffold/sdk-link.ts";
import { sdkFallbackExpr } from "../core/scaffold/templates.ts";
import type { Command } from "./command.ts";
import { printJson } from "./output.ts";

export const agentsExamples: Command = {
  path: ["agents", "examples"],
  summary: "Write the example agents this binary carries to DIR (default ./opensentience-examples)",
  usage: "[DIR]",
  args: { min: 0, max: 1 },
  run(ctx) {
    if (Object.keys(EMBEDDED_EXAMPLES.files).length === 0) throw new AppError("not_found", "this build of opensentience carries no example agents");
    const target = resolve(ctx.positionals[0] ?? "opensentience-examples");
    const home = resolveHome(ctx.env);
    ensureDataDir(home);
    // Each example's mix.exs falls back to $OPENSENTIENCE_HOME/sdk/elixir (as `agents new` projects do), linked
    // here to the SDK this binary carries: the copies build here and name no path of this machine.
    const paths = dataPaths(home);
    const sdk = sdkPath(paths, { ...ctx.env, OPENSENTIENCE_SDK_PATH: undefined });
    const link = linkStableSdk(paths, sdk);
    const r = materializeExamples(target, EMBEDDED_EXAMPLES, { sdkExpr: sdkFallbackExpr({ kind: "data_dir" }) });
    if (ctx.json) {
      printJson(ctx.io, { dir: target, written: r.written, skipped: r.skipped, sdk_path: sdk, sdk_fallback: link.path });
      return 0;
    }
    ctx.io.out(
      [
        `Examples in ${target}:`,
        ...r.written.map((p) => `  wrote    ${p}`),
        ...r.skipped.map((p) => `  kept     ${p} (already there, not overwritten)`),
        "",
        "Build one: cd <example> && mix compile",
      ].join("\n"),
    );
    return 0;
  },
};
