import { join, resolve } from "node:path";
import { sdkPath } from "../core/agent-env.ts";
import { ensureDataDir } from "../core/config/load.ts";
import { dataPaths, resolveHome } from "../core/config/paths.ts";
import { scaffoldAgent } from "../core/scaffold/scaffold.ts";
import { agentNames } from "../core/scaffold/names.ts";
import { linkStableSdk, sdkFallbackFor, type StableSdk } from "../core/scaffold/sdk-link.ts";
import { type Command, stringOption } from "./command.ts";
import { printJson } from "./output.ts";

export const agentsNew: Command = {
  path: ["agents", "new"],
  summary: "Create a new Elixir agent project (manifest, mix.exs, one tool, a test)",
  usage: "NAME [--dir DIR] [--id ID]",
  options: { dir: { type: "string", description: "Directory to create (default ./NAME)" }, id: { type: "string", description: "Agent id (reverse-DNS, e.g. com.example.echo)" } },
  args: { min: 1, max: 1 },
  run(ctx) {
    const home = resolveHome(ctx.env);
    ensureDataDir(home);
    const paths = dataPaths(home);
    // The SDK this binary uses (a checkout's, or the one it carries, written out now); mix.exs never names it directly.
    const sdk = sdkPath(paths, { ...ctx.env, OPENSENTIENCE_SDK_PATH: undefined });
    const name = ctx.positionals[0]!;
    const id = stringOption(ctx.values, "id");
    const parentDir = resolve(stringOption(ctx.values, "dir") ?? process.cwd());
    // Outside a checkout, mix.exs falls back to $OPENSENTIENCE_HOME/sdk/elixir: make it lead to that SDK first,
    // so a failure there leaves no project behind.
    const planned = sdkFallbackFor(join(parentDir, agentNames(name, id).dir), sdk);
    const link: StableSdk | null = planned.kind === "data_dir" ? linkStableSdk(paths, sdk) : null;
    const r = scaffoldAgent({ name, id, parentDir, sdkPath: sdk });
    const fallback = r.sdk_fallback.kind === "relative" ? r.sdk_fallback.path : link!.path;
    if (ctx.json) {
      printJson(ctx.io, { id: r.names.id, name: r.names.title, path: r.path, app: r.names.app, module: r.names.module, sdk_path: r.sdk_path, sdk_fallback: { ...r.sdk_fallback, resolved: fallback }, files: r.files });
      return 0;
    }
    ctx.io.out(
      [
        `Created ${r.names.id} in ${r.path}`,
        ...r.files.map((f) => `  ${f}`),
        "",
        r.sdk_fallback.kind === "relative"
          ? `SDK: $OPENSENTIENCE_SDK_PATH, else ${r.sdk_fallback.path} (relative to the project, inside this checkout)`
          : `SDK: $OPENSENTIENCE_SDK_PATH, else $OPENSENTIENCE_HOME/sdk/elixir (here ${link!.path}${link!.state === "own" ? ", your own SDK" : ` -> ${link!.target}`})`,
        "",
        "Next:",
        `  cd ${r.path}`,
        "  mix test                               # the tools' tests, no core needed",
        "  opensentience agents validate --tools  # check the manifest, and tool_summary against the agent's tools",
        "  opensentience discover                 # once the directory is under a scan root (~/Projects by default)",
      ].join("\n"),
    );
    return 0;
  },
};
