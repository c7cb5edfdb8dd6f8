/**
 * Builds a real Elixir agent from `examples/` the way the installer does
 * (copy, mix deps.get, mix compile with the shared agent environment), for
 * runtime tests that do not exercise the installer itself.
 */
import { cpSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { mixEnv } from "../../src/core/agent-env.ts";
import { dataPaths } from "../../src/core/config/paths.ts";
import { shortTempDir } from "./runtime-env.ts";

export const EXAMPLES = resolve(import.meta.dir, "../../examples");

export async function buildExample(name: string, home: string): Promise<{ dir: string; manifest: Record<string, unknown> }> {
  const dir = join(shortTempDir("osex-"), name);
  cpSync(join(EXAMPLES, name), dir, { recursive: true, filter: (src) => !/\/(_build|deps)(\/|$)/.test(src) });
  const env = { ...mixEnv(dataPaths(home)), OPENSENTIENCE_SDK_PATH: resolve(import.meta.dir, "../../sdk/elixir") };
  for (const args of [["deps.get"], ["compile"]]) {
    const p = Bun.spawn(["mix", ...args], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new Error(`mix ${args.join(" ")} failed in ${dir}:\n${out}\n${err}`);
  }
  return { dir, manifest: JSON.parse(readFileSync(join(dir, "opensentience.agent.json"), "utf8")) };
}
