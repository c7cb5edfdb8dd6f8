/**
 * `sdk path`: writes out the Elixir SDK this binary carries (once), keeps
 * `$OPENSENTIENCE_HOME/sdk/elixir` leading to it, and prints that stable path —
 * the directory projects made by `agents new` fall back to, and a value for
 * `export OPENSENTIENCE_SDK_PATH=$(opensentience sdk path)`.
 */
import { sdkPath } from "../core/agent-env.ts";
import { ensureDataDir } from "../core/config/load.ts";
import { dataPaths, resolveHome } from "../core/config/paths.ts";
import { linkStableSdk } from "../core/scaffold/sdk-link.ts";
import type { Command } from "./command.ts";
import { printJson } from "./output.ts";

export const sdkPathCommand: Command = {
  path: ["sdk", "path"],
  summary: "Write out the Elixir SDK agents build against and print its stable path ($OPENSENTIENCE_HOME/sdk/elixir)",
  args: { min: 0, max: 0 },
  run(ctx) {
    const home = resolveHome(ctx.env);
    ensureDataDir(home);
    const paths = dataPaths(home);
    const link = linkStableSdk(paths, sdkPath(paths, { ...ctx.env, OPENSENTIENCE_SDK_PATH: undefined }));
    if (ctx.json) printJson(ctx.io, link);
    else ctx.io.out(link.path);
    return 0;
  },
};
