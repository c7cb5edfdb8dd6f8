/** Runtime answers: live agent status, tools, logs, tool calls (plain and NDJSON-streamed). */
import { z } from "zod";
import { surfaceChangeSchema } from "./trust.ts";

export const runtimeStateSchema = z.enum(["stopped", "starting", "running", "stopping", "backoff", "failed", "exited"]);

export const rejectedToolSchema = z.object({ name: z.string(), reason: z.string() });

export const runtimeStatusSchema = z.object({
  agentId: z.string(),
  state: runtimeStateSchema,
  pid: z.number().nullable(),
  connected: z.boolean(),
  healthy: z.boolean(),
  lastHeartbeatAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  restarts: z.number(),
  backoffMs: z.number().nullable(),
  nextRestartAt: z.string().nullable(),
  lastExit: z.object({ code: z.number().nullable(), signal: z.string().nullable(), reason: z.string(), at: z.string() }).nullable(),
  tools: z.number(),
  /** Tools the agent offered in this run that registration refused, with why; absent from daemons before issue 17. */
  rejectedTools: z.array(rejectedToolSchema).optional(),
  inflight: z.number(),
  devMode: z.boolean(),
  /** Desired state, persisted: what the daemon brings back after a restart (when `autostart`). */
  intent: z.enum(["running", "stopped"]),
  autostart: z.boolean(),
  /** Whether the current (or last) process ran in the sandbox; null before its first start. */
  sandboxed: z.boolean().nullable(),
});
export const runtimeListSchema = z.object({ agents: z.array(runtimeStatusSchema) });

export const toolInfoSchema = z.object({
  id: z.string(),
  agentId: z.string(),
  name: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).nullable(),
  permissions: z.array(z.string()),
  streaming: z.boolean(),
  cancellable: z.boolean(),
  timeoutMs: z.number().nullable(),
  blockedBy: z.array(z.string()),
  /** New or changed since the approved (pinned) tool surface: calls are denied until re-approved. */
  surfaceChange: surfaceChangeSchema.nullable().optional(),
});
export const toolListSchema = z.object({
  tools: z.array(toolInfoSchema),
  /** Tools running agents offered but registration refused, with why; absent from daemons before issue 17. */
  rejected: z.array(rejectedToolSchema.extend({ agentId: z.string() })).optional(),
});

export const logLineSchema = z.object({
  at: z.string(),
  stream: z.enum(["stdout", "stderr", "agent", "core"]),
  level: z.string().optional(),
  line: z.string(),
});
export const logTailSchema = z.object({ lines: z.array(logLineSchema) });

export const toolCallResultSchema = z.object({ output: z.unknown(), duration_ms: z.number(), request_id: z.string() });

/** One line of a streamed `POST /tools/call` (`stream: true`): progress lines, then one result or error. */
export const toolStreamLineSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("progress"), seq: z.number(), chunk: z.unknown() }),
  toolCallResultSchema.extend({ type: z.literal("result") }),
  z.object({ type: z.literal("error"), error: z.object({ code: z.string(), message: z.string() }), duration_ms: z.number(), request_id: z.string() }),
]);
export type ToolStreamLine = z.infer<typeof toolStreamLineSchema>;

const mountSchema = z.object({
  kind: z.enum(["ro", "rw", "tmpfs", "dev", "proc", "symlink", "socket"]),
  source: z.string().optional(),
  target: z.string(),
  reason: z.string(),
});

const limitMechanism = z.enum(["cgroup-v2", "cgroup-v1", "rlimit"]).nullable();

/** The sandbox an agent runs in (or would run in): `GET /agents/:id/sandbox`, `agents info`. */
export const sandboxViewSchema = z.object({
  policy: z.enum(["required", "auto", "off"]),
  sandboxed: z.boolean(),
  reason: z.string().nullable(),
  plan: z
    .object({
      agentId: z.string(),
      mounts: z.array(mountSchema),
      network: z.discriminatedUnion("mode", [z.object({ mode: z.literal("none") }), z.object({ mode: z.literal("proxy"), allow: z.array(z.string()) }), z.object({ mode: z.literal("host") })]),
      spawn: z.boolean(),
      execAllow: z.array(z.string()),
      env: z.record(z.string(), z.string()),
      refused: z.array(z.object({ permission: z.string(), reason: z.string() })),
    })
    .nullable(),
  /** Resource limits and how each is enforced on this machine (sandbox/limits.ts); null when none are configured. */
  limits: z
    .object({
      memoryMb: z.number(),
      cpuPercent: z.number(),
      maxProcesses: z.number(),
      maxOpenFiles: z.number(),
      enforced: z.object({
        memory: limitMechanism,
        cpu: limitMechanism,
        processes: limitMechanism,
        openFiles: limitMechanism,
        coreDumps: limitMechanism,
      }),
      notes: z.array(z.string()),
    })
    .nullable(),
});
