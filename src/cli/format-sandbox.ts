/** Human text for an agent's sandbox (`agents info`): enforced or not, network, programs, every mount. */
import type { SandboxView } from "../core/sandbox/launcher.ts";
import type { LimitsView } from "../core/sandbox/limits.ts";
import { clean, keyValues } from "./output.ts";

const how = (m: string | null) => (m ? `enforced: ${m}` : "NOT enforced here");

/** One line per limit, saying how it is enforced on this machine (or that it is not). */
export function limitsText(l: LimitsView): string {
  const lines = [
    keyValues([
      ["memory", `${l.memoryMb} MB (${how(l.enforced.memory)})`],
      ["cpu", `${l.cpuPercent}% of one core (${how(l.enforced.cpu)})`],
      ["processes", `${l.maxProcesses} tasks (${how(l.enforced.processes)})`],
      ["open files", `${l.maxOpenFiles} (${how(l.enforced.openFiles)})`],
      ["core dumps", `off (${how(l.enforced.coreDumps)})`],
    ]),
  ];
  for (const n of l.notes) lines.push(`note: ${clean(n)}`);
  return lines.join("\n");
}

export function sandboxText(v: SandboxView): string {
  if (!v.sandboxed || !v.plan) {
    return [
      `NOT SANDBOXED (policy ${v.policy}): ${clean(v.reason ?? "")}`,
      "The agent runs with your user's full access; its filesystem, network and process permissions are NOT enforced.",
      ...(v.limits ? ["limits:", limitsText(v.limits).replace(/^/gm, "  ")] : []),
    ].join("\n");
  }
  const p = v.plan;
  const net = p.network.mode === "none" ? "none (loopback only)" : p.network.mode === "host" ? "the host network (network:egress:*)" : `only ${p.network.allow.join(", ")} (through the egress proxy)`;
  const lines = [
    keyValues([
      ["sandboxed", `yes (policy ${v.policy})`],
      ["network", net],
      ["programs", p.spawn ? "may start programs (process:spawn)" : "may not start programs (only the Erlang runtime executes)"],
      ["home", p.env.HOME],
    ]),
    "mounts:",
    ...p.mounts.map((m) => `  ${m.kind.padEnd(7)} ${clean(m.target)}  (${clean(m.reason)})`),
  ];
  for (const r of p.refused) lines.push(`not granted: ${clean(r.permission)}: ${clean(r.reason)}`);
  if (v.limits) lines.push("limits:", limitsText(v.limits).replace(/^/gm, "  "));
  return lines.join("\n");
}
