/**
 * What a client token may call, as data: a list of tool patterns. Pure.
 *
 *   agent_id/tool   that one tool          com.example.files/read
 *   agent_id/*      every tool of an agent com.example.files/*
 *   *               every tool
 *
 * Agent ids and tool names follow the runtime protocol's grammar exactly
 * (src/protocol/message-fields.ts), so a pattern can only name a real tool id.
 */
import { AGENT_ID_PATTERN, TOOL_NAME_PATTERN } from "../../protocol/message-fields.ts";
import { AppError } from "../errors.ts";

export type ToolScope = readonly string[];

/** Not a tool pattern: lets the token read /metrics (and call nothing). */
export const METRICS_SCOPE = "metrics";

/** At most this many patterns per token. */
export const MAX_SCOPE_PATTERNS = 64;

/** Why `pattern` is not a valid scope pattern, or null when it is. */
export function scopePatternProblem(pattern: string): string | null {
  if (pattern === "*" || pattern === METRICS_SCOPE) return null;
  const slash = pattern.lastIndexOf("/");
  if (slash <= 0) return "must be AGENT_ID/TOOL, AGENT_ID/* or *";
  const agent = pattern.slice(0, slash);
  const tool = pattern.slice(slash + 1);
  if (agent.length > 128 || !AGENT_ID_PATTERN.test(agent)) return `'${agent.slice(0, 140)}' is not an agent id (reverse-DNS, e.g. com.example.my_agent)`;
  if (tool !== "*" && !TOOL_NAME_PATTERN.test(tool)) return `'${tool.slice(0, 80)}' is not a tool name (^[a-z][a-z0-9_]{0,63}$) or *`;
  return null;
}

/**
 * Parses a comma-separated list (the CLI's `--tools`) or an array into a
 * normalised scope: trimmed, deduplicated, sorted. Throws `invalid_argument`
 * naming the first bad pattern.
 */
export function parseScope(input: string | readonly string[]): ToolScope {
  const raw = typeof input === "string" ? input.split(",") : [...input];
  const patterns = [...new Set(raw.map((p) => p.trim()).filter(Boolean))].sort();
  if (patterns.length === 0) throw new AppError("invalid_argument", "a client token needs at least one tool pattern (AGENT_ID/TOOL, AGENT_ID/* or *) or the metrics scope");
  if (patterns.length > MAX_SCOPE_PATTERNS) throw new AppError("invalid_argument", `at most ${MAX_SCOPE_PATTERNS} tool patterns per token`);
  for (const p of patterns) {
    const problem = scopePatternProblem(p);
    if (problem) throw new AppError("invalid_argument", `tool pattern '${p.slice(0, 200)}': ${problem}`);
  }
  return patterns;
}

/** True when the global tool id `agent_id/tool` is inside the scope. */
export function scopeAllows(scope: ToolScope, toolId: string): boolean {
  const slash = toolId.lastIndexOf("/");
  if (slash <= 0) return false;
  const agent = toolId.slice(0, slash);
  for (const p of scope) {
    if (p === "*" || p === toolId || p === `${agent}/*`) return true;
  }
  return false;
}

/** True when the scope covers at least one possible tool of `agentId` (so its tool changes concern the client). */
export function scopeCoversAgent(scope: ToolScope, agentId: string): boolean {
  return scope.some((p) => p === "*" || (p.lastIndexOf("/") > 0 && p.slice(0, p.lastIndexOf("/")) === agentId));
}
