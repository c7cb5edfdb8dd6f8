import { sdkPath } from "../core/agent-env.ts";
import { ensureDataDir } from "../core/config/load.ts";
import { dataPaths, resolveHome } from "../core/config/paths.ts";
import { scaffoldAgent } from "../core/scaffold/scaffold.ts";
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
    // The fallback written into mix.exs: this checkout's SDK, or the one the binary carries (written out now).
    const sdk = sdkPath(dataPaths(home), { ...ctx.env, OPENSENTIENCE_SDK_PATH: undefined });
    const r = scaffoldAgent({ name: ctx.positionals[0]!, id: stringOption(ctx.values, "id"), parentDir: stringOption(ctx.values, "dir") ?? process.cwd(), sdkPath: sdk });
    if (ctx.json) {
      printJson(ctx.io, { id: r.names.id, name: r.names.title, path: r.path, app: r.names.app, module: r.names.module, sdk_path: r.sdk_path, files: r.files });
      return 0;
    }
    ctx.io.out(
      [
        `Created ${r.names.id} in ${r.path}`,
        ...r.files.map((f) => `  ${f}`),
        "",
        "Next:",
        `  cd ${r.path}`,
        "  mix test                          # the tool's tests, no core needed",
        "  opensentience agents validate     # check the manifest",
        "  opensentience discover            # once the directory is under a scan root (~/Projects by default)",
      ].join("\n"),
    );
    return 0;
  },
};
