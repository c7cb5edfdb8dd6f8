/**
 * `agents validate --tools`: compiles the author's project with their own mix
 * and environment (it is their code, run only because they asked) and
 * compares the tools its agent registers with the manifest's tool_summary.
 * Installed agents get the same check, sandboxed, from `agents test`.
 */
import { runBounded } from "../git/process.ts";
import { compareToolSummary, LIST_TOOLS_COMMAND, ToolListing, type ToolSummaryCheck, uncheckedToolSummary } from "./tool-summary-check.ts";

export async function checkProjectTools(projectDir: string, listed: readonly string[], env: Record<string, string>, timeoutMs = 600_000): Promise<ToolSummaryCheck> {
  const listing = new ToolListing();
  const output: string[] = [];
  const command = LIST_TOOLS_COMMAND.join(" ");
  let r: Awaited<ReturnType<typeof runBounded>>;
  try {
    r = await runBounded([...LIST_TOOLS_COMMAND], {
      cwd: projectDir,
      env,
      timeoutMs,
      maxStdoutBytes: 0,
      onLine: (line) => {
        listing.line(line);
        if (line.trim()) output.push(line.trim());
        if (output.length > 5) output.shift();
      },
    });
  } catch (e) {
    return uncheckedToolSummary(`cannot run ${command}: ${(e as Error).message} (is Elixir installed and on PATH?)`);
  }
  if (r.timedOut) return uncheckedToolSummary(`${command} did not finish within ${Math.round(timeoutMs / 1000)} s`);
  if (r.exitCode !== 0) return uncheckedToolSummary(`${command} failed (exit ${r.exitCode ?? r.signal})${output.length ? `: ${output.at(-1)!.slice(0, 300)}` : ""}`);
  const found = listing.result();
  if ("error" in found) return uncheckedToolSummary(found.error);
  return compareToolSummary(listed, found.names, found.agent);
}
