/**
 * Permission grammar (taxonomy v1): `category:action[:target]`. The single
 * definition used by the manifest schema, approvals, the launcher and the router.
 */
import { z } from "zod";
import { agentIdSchema, TOOL_NAME_PATTERN } from "../../protocol/index.ts";

/** Defined once, in the wire protocol; the manifest and permissions use the same rules. */
export const TOOL_NAME_RE = TOOL_NAME_PATTERN;
/** The one agent id rule (pattern and length), as a predicate. */
export const isAgentId = (s: string): boolean => agentIdSchema.safeParse(s).success;
const ENV_VAR_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const HOST_RE = /^(\*|[A-Za-z0-9*]([A-Za-z0-9.*-]{0,252})(:\d{1,5})?)$/;

export type Permission =
  | { category: "filesystem"; action: "read" | "write"; target: string }
  | { category: "network"; action: "egress"; target: string }
  | { category: "process"; action: "spawn" }
  | { category: "env"; action: "read"; target: string }
  | { category: "tool"; action: "invoke"; agentId: string; tool: string | "*" };

export type PermissionParse = { ok: true; permission: Permission } | { ok: false; reason: string };

/** Parses one permission string; the reason explains a rejection in words a user can act on. */
export function parsePermission(s: string): PermissionParse {
  if (s.length > 512) return { ok: false, reason: "longer than 512 characters" };
  if (/[\u0000-\u001f\u007f]/.test(s)) return { ok: false, reason: "contains control characters" };
  const i1 = s.indexOf(":");
  const category = i1 < 0 ? s : s.slice(0, i1);
  const rest = i1 < 0 ? "" : s.slice(i1 + 1);
  const i2 = rest.indexOf(":");
  const action = i2 < 0 ? rest : rest.slice(0, i2);
  const target = i2 < 0 ? undefined : rest.slice(i2 + 1);
  switch (category) {
    case "filesystem":
      if (action !== "read" && action !== "write") return { ok: false, reason: "filesystem action must be read or write" };
      if (!target) return { ok: false, reason: "filesystem permission needs a path" };
      if (!(target.startsWith("/") || target === "~" || target.startsWith("~/")))
        return { ok: false, reason: "filesystem path must be absolute or start with ~" };
      if (target.split("/").includes("..")) return { ok: false, reason: "filesystem path must not contain .." };
      return { ok: true, permission: { category, action, target } };
    case "network":
      if (action !== "egress") return { ok: false, reason: "network action must be egress" };
      if (!target || !HOST_RE.test(target)) return { ok: false, reason: "network egress needs a host or *" };
      return { ok: true, permission: { category, action, target } };
    case "process":
      if (action !== "spawn" || target !== undefined) return { ok: false, reason: "process permission must be process:spawn" };
      return { ok: true, permission: { category, action } };
    case "env":
      if (action !== "read") return { ok: false, reason: "env action must be read" };
      if (!target || !ENV_VAR_RE.test(target)) return { ok: false, reason: "env:read needs a variable name" };
      if (target.startsWith("OPENSENTIENCE_")) return { ok: false, reason: "OPENSENTIENCE_* variables are reserved" };
      return { ok: true, permission: { category, action, target } };
    case "tool": {
      if (action !== "invoke") return { ok: false, reason: "tool action must be invoke" };
      const slash = target?.lastIndexOf("/") ?? -1;
      if (!target || slash < 0) return { ok: false, reason: "tool:invoke needs <agent_id>/<tool or *>" };
      const agentId = target.slice(0, slash);
      const tool = target.slice(slash + 1);
      if (!isAgentId(agentId)) return { ok: false, reason: "tool:invoke has an invalid agent id" };
      if (tool !== "*" && !TOOL_NAME_RE.test(tool)) return { ok: false, reason: "tool:invoke has an invalid tool name" };
      return { ok: true, permission: { category, action, agentId, tool } };
    }
    default:
      return { ok: false, reason: `unknown permission category '${category}'` };
  }
}

export const permissionSchema = z
  .string()
  .max(512)
  .superRefine((s, ctx) => {
    const r = parsePermission(s);
    if (!r.ok) ctx.addIssue({ code: "custom", message: `invalid permission '${s.slice(0, 80)}': ${r.reason}` });
  });

/** True when the approved set allows calling `<agentId>/<tool>` through the router. */
export function allowsInvoke(approved: Iterable<string>, agentId: string, tool: string): boolean {
  for (const p of approved) {
    if (p === `tool:invoke:${agentId}/${tool}` || p === `tool:invoke:${agentId}/*`) return true;
  }
  return false;
}

/** Variables an agent may receive: the targets of approved `env:read:` permissions. */
export function approvedEnvVars(approved: Iterable<string>): string[] {
  const out: string[] = [];
  for (const p of approved) {
    const r = parsePermission(p);
    if (r.ok && r.permission.category === "env") out.push(r.permission.target);
  }
  return out;
}
