/**
 * Tools registered by connected agents, by global id `<agent_id>/<name>`.
 * Input schemas come from untrusted processes: they are compiled by a
 * non-evaluating validator (@cfworker/json-schema interprets schemas; it never
 * generates code), and a schema it cannot handle rejects the tool.
 */
import { Validator } from "@cfworker/json-schema";
import type { ToolSpec } from "../../protocol/index.ts";
import type { SurfaceBlock, SurfaceChange } from "../approvals/tool-pins.ts";
import { parsePermission } from "../manifest/permissions.ts";

export interface RegisteredTool {
  globalId: string;
  agentId: string;
  spec: ToolSpec;
  validator: Validator;
  /** A direct check for the simplest schemas (see simpleSchemaCheck); null: the validator alone decides. */
  quickCheck: ((args: unknown) => boolean) | null;
  /** Set when the tool is new or changed since the operator pinned the agent's tool surface: calls are denied. */
  blocked?: SurfaceBlock;
}

/** Compares an agent's accepted tools with its pinned surface; returns the blocked ones by name (approvals/tool-pins.ts). */
export type SurfaceGate = (agentId: string, specs: readonly ToolSpec[]) => Map<string, SurfaceBlock>;

export interface ToolInfo {
  id: string;
  agentId: string;
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** The tool's declared output schema, when it has one. */
  outputSchema: Record<string, unknown> | null;
  permissions: string[];
  streaming: boolean;
  cancellable: boolean;
  timeoutMs: number | null;
  /** Declared permissions that are not approved: calls are denied until they are. */
  blockedBy: string[];
  /** New or changed since the approved (pinned) tool surface: calls are denied until the operator re-approves. */
  surfaceChange?: (SurfaceChange & { message: string }) | null;
}

/** A tool the agent offered that was refused at registration, and why (kept for the agent's current run). */
export interface RejectedTool {
  name: string;
  reason: string;
}

export interface ArgumentProblem {
  path: string;
  message: string;
}

export class ToolRegistry {
  private readonly tools = new Map<string, RegisteredTool>();
  /** Per agent, the tools its latest registration refused: shown by run/info/tools list and named when one is called. */
  private readonly refused = new Map<string, RejectedTool[]>();
  /** Set by the runtime: marks tools whose surface differs from the pinned one. */
  surfaceGate: SurfaceGate | null = null;

  /** Replaces all tools of an agent; returns accepted names and per-tool rejections. */
  register(agentId: string, specs: ToolSpec[], requested: ReadonlySet<string>): { accepted: string[]; rejected: RejectedTool[] } {
    this.removeAgent(agentId);
    const accepted: string[] = [];
    const rejected: RejectedTool[] = [];
    for (const spec of specs) {
      const globalId = `${agentId}/${spec.name}`;
      if (this.tools.has(globalId)) {
        rejected.push({ name: spec.name, reason: `duplicate tool name '${spec.name}'` });
        continue;
      }
      const badPerm = spec.permissions.find((p) => !parsePermission(p).ok);
      if (badPerm) {
        rejected.push({ name: spec.name, reason: `invalid permission '${badPerm.slice(0, 80)}'` });
        continue;
      }
      const notRequested = spec.permissions.find((p) => !requested.has(p));
      if (notRequested) {
        rejected.push({ name: spec.name, reason: `permission '${notRequested.slice(0, 80)}' is not requested by the agent's manifest` });
        continue;
      }
      let validator: Validator;
      try {
        validator = new Validator(spec.input_schema as never, "2020-12", false);
        validator.validate({}); // surfaces schemas the validator cannot interpret
      } catch (e) {
        rejected.push({ name: spec.name, reason: `input_schema is not usable: ${(e as Error).message.slice(0, 200)}` });
        continue;
      }
      this.tools.set(globalId, { globalId, agentId, spec, validator, quickCheck: simpleSchemaCheck(spec.input_schema) });
      accepted.push(spec.name);
    }
    this.applySurfaceGate(agentId);
    if (rejected.length) this.refused.set(agentId, rejected);
    else this.refused.delete(agentId);
    return { accepted, rejected };
  }

  /** (Re)marks the agent's blocked tools: after a registration, and after the operator re-approved its surface. */
  applySurfaceGate(agentId: string): void {
    if (!this.surfaceGate) return;
    const mine = this.list(agentId);
    if (!mine.length) return;
    const blocked = this.surfaceGate(agentId, mine.map((t) => t.spec));
    for (const t of mine) t.blocked = blocked.get(t.spec.name);
  }

  removeAgent(agentId: string): void {
    for (const [id, t] of this.tools) if (t.agentId === agentId) this.tools.delete(id);
  }

  /** What the agent's latest registration refused (empty when it refused nothing or the agent went away). */
  rejected(agentId: string): readonly RejectedTool[] {
    return this.refused.get(agentId) ?? [];
  }

  /** The rejected tools of every agent (or one), by agent. */
  rejectedAll(agentId?: string): Array<RejectedTool & { agentId: string }> {
    return [...this.refused]
      .filter(([id]) => !agentId || id === agentId)
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([id, list]) => list.map((r) => ({ agentId: id, ...r })));
  }

  /** The agent's run ended: its rejections go with it. */
  forgetRejected(agentId: string): void {
    this.refused.delete(agentId);
  }

  get(globalId: string): RegisteredTool | undefined {
    return this.tools.get(globalId);
  }

  list(agentId?: string): RegisteredTool[] {
    return [...this.tools.values()].filter((t) => !agentId || t.agentId === agentId).sort((a, b) => a.globalId.localeCompare(b.globalId));
  }

  validate(tool: RegisteredTool, args: unknown): ArgumentProblem[] {
    // Only ever a shortcut to "valid": anything it does not accept is judged (and explained) by the validator.
    if (tool.quickCheck?.(args)) return [];
    let r;
    try {
      r = tool.validator.validate(args);
    } catch (e) {
      return [{ path: "(arguments)", message: `schema evaluation failed: ${(e as Error).message}` }];
    }
    if (r.valid) return [];
    // The validator reports the failing keyword chain; keep the leaf errors, most specific first.
    return r.errors
      .slice(-5)
      .reverse()
      .map((e) => ({ path: e.instanceLocation.replace(/^#/, "") || "/", message: e.error }));
  }
}

export function toolInfo(t: RegisteredTool, approved: ReadonlySet<string>): ToolInfo {
  return {
    id: t.globalId,
    agentId: t.agentId,
    name: t.spec.name,
    description: t.spec.description,
    inputSchema: t.spec.input_schema as Record<string, unknown>,
    outputSchema: (t.spec.output_schema as Record<string, unknown> | undefined) ?? null,
    permissions: t.spec.permissions,
    streaming: t.spec.streaming,
    cancellable: t.spec.cancellable,
    timeoutMs: t.spec.timeout_ms ?? null,
    blockedBy: t.spec.permissions.filter((p) => !approved.has(p)),
    surfaceChange: t.blocked ? { ...t.blocked.change, message: t.blocked.message } : null,
  };
}

const SIMPLE_TYPES: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
};
const ANNOTATIONS = new Set(["description", "title"]);
const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Most tools take a flat object of strings, numbers and booleans, and the
 * general validator spends ~10 µs a call walking such a schema. For exactly
 * that shape — `type: "object"`, `properties` whose schemas are only a
 * primitive `type` (plus description/title), `required`, a boolean
 * `additionalProperties`, nothing else — this returns a direct check that
 * accepts only what the validator accepts. Any other schema: null.
 */
export function simpleSchemaCheck(schema: unknown): ((args: unknown) => boolean) | null {
  if (!isPlain(schema) || schema.type !== "object") return null;
  for (const k of Object.keys(schema)) if (k !== "type" && k !== "properties" && k !== "required" && k !== "additionalProperties" && !ANNOTATIONS.has(k)) return null;
  const props = schema.properties ?? {};
  if (!isPlain(props)) return null;
  const checks = new Map<string, (v: unknown) => boolean>();
  for (const [name, sub] of Object.entries(props)) {
    if (!isPlain(sub) || typeof sub.type !== "string" || !Object.hasOwn(SIMPLE_TYPES, sub.type)) return null;
    for (const k of Object.keys(sub)) if (k !== "type" && !ANNOTATIONS.has(k)) return null;
    checks.set(name, SIMPLE_TYPES[sub.type]!);
  }
  const required = schema.required ?? [];
  if (!Array.isArray(required) || !required.every((r) => typeof r === "string")) return null;
  const extra = schema.additionalProperties ?? true;
  if (typeof extra !== "boolean") return null;
  return (args) => {
    if (!isPlain(args)) return false;
    for (const r of required as string[]) if (!Object.hasOwn(args, r)) return false;
    for (const k of Object.keys(args)) {
      const check = checks.get(k);
      if (check ? !check(args[k]) : !extra) return false;
    }
    return true;
  };
}
