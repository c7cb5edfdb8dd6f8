/**
 * What a permission lets an agent do, in plain words, with a rough risk level:
 * shown wherever an operator approves one (the web Enable dialog, the agent
 * page, `agents enable` on a terminal).
 */
import { parsePermission } from "./permissions.ts";

export type Risk = "low" | "medium" | "high";

export function describePermission(p: string): { text: string; risk: Risk } {
  const r = parsePermission(p);
  if (!r.ok) return { text: `Not a valid permission (${r.reason})`, risk: "high" };
  const x = r.permission;
  switch (x.category) {
    case "filesystem":
      return x.action === "read" ? { text: `Read files in ${x.target}`, risk: x.target === "~" || x.target === "/" ? "high" : "medium" } : { text: `Create, change and delete files in ${x.target}`, risk: "high" };
    case "network":
      return x.target === "*" ? { text: "Connect to any host on the network", risk: "high" } : { text: `Connect to ${x.target}`, risk: "medium" };
    case "process":
      return { text: "Start other programs on this machine", risk: "high" };
    case "env":
      return { text: `Read the environment variable ${x.target}`, risk: "low" };
    case "tool":
      return { text: x.tool === "*" ? `Call any tool of ${x.agentId}` : `Call the tool ${x.tool} of ${x.agentId}`, risk: "medium" };
  }
}
