/**
 * Why a tool cannot be called, said the same way to every caller and with the
 * next step (issue 17, finding 7). A real Router, a real audit log on a real
 * SQLite catalog; the agent connection is a stand-in that is never written to
 * (none of these calls reaches an agent).
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog } from "../audit/audit-log.ts";
import { systemClock } from "../clock.ts";
import { EventBus } from "../events.ts";
import { openDb } from "../../db/open.ts";
import { type AgentPolicy, Router } from "./router.ts";

const AGENT = "com.example.msg";

test("unknown tool of a running agent → did you mean; not running → run it; disabled → enable it; unknown agent → agents info", async () => {
  const dir = mkdtempSync(join(tmpdir(), "os-router-msg-"));
  const store = openDb(join(dir, "catalog.db"));
  const audit = new AuditLog(store.sqlite, store.db, systemClock);
  try {
    let connected = true;
    let policy: AgentPolicy = { enabled: true, installed: true, approved: new Set() };
    const router = new Router({
      audit,
      events: new EventBus(),
      link: (id) => (connected && id === AGENT ? ({ conn: { isClosed: () => false, send: () => true }, healthy: true, limiter: { admit: async () => ({ ok: true, release: () => {} }) }, defaultTimeoutMs: 50, capabilities: [] } as never) : undefined),
      policy: (id) => (id === AGENT ? policy : { enabled: false, approved: new Set() }),
      requestedPermissions: () => new Set(),
      maxTimeoutMs: 50,
    });
    const shout = { type: "object", properties: { text: { type: "string" }, times: { type: "integer", minimum: 1 } }, required: ["text"], additionalProperties: false };
    router.register(AGENT, {
      payload: {
        tools: [
          { name: "echo", description: "", input_schema: { type: "object" }, permissions: [], streaming: false, cancellable: true },
          { name: "shout", description: "", input_schema: shout, permissions: [], streaming: false, cancellable: true },
        ],
      },
    } as never);
    const error = async (tool: string, args: unknown = {}) => {
      const r = await router.call({ tool, arguments: args, caller: { kind: "api", id: "t" } });
      return r.ok ? null : { code: r.error.code, message: r.error.message };
    };

    // Schema mismatches name the argument in words, as the CLI's own pre-check does (no "/: Instance does not have …").
    const bad = `arguments do not match the input schema of shout`;
    expect(await error(`${AGENT}/shout`)).toEqual({ code: "invalid_arguments", message: `${bad}: missing required argument 'text'` });
    expect(await error(`${AGENT}/shout`, { text: "hi", loud: true })).toEqual({ code: "invalid_arguments", message: `${bad}: unknown argument 'loud' (accepted: text, times)` });
    expect(await error(`${AGENT}/shout`, { text: 5 })).toEqual({ code: "invalid_arguments", message: `${bad}: argument 'text' must be string, got 5` });
    expect((await error(`${AGENT}/shout`, { text: "hi", times: 0 }))?.message).toStartWith(`${bad}: argument 'times': `);

    expect(await error(`${AGENT}/ecko`)).toEqual({ code: "unknown_tool", message: `agent ${AGENT} has no tool 'ecko' (did you mean '${AGENT}/echo'?)` });
    expect(await error(`${AGENT}/zzzzzzzz`)).toEqual({ code: "unknown_tool", message: `agent ${AGENT} has no tool 'zzzzzzzz'` });

    connected = false;
    router.tools.removeAgent(AGENT);
    expect(await error(`${AGENT}/echo`)).toEqual({ code: "agent_unavailable", message: `agent ${AGENT} is not running (run it: opensentience agents run ${AGENT})` });
    policy = { enabled: false, installed: true, approved: new Set() };
    expect(await error(`${AGENT}/echo`)).toEqual({ code: "agent_unavailable", message: `agent ${AGENT} is disabled (enable it: opensentience agents enable ${AGENT})` });
    expect(await error("com.example.nobody/echo")).toEqual({ code: "unknown_tool", message: "no tool 'com.example.nobody/echo' is registered (is com.example.nobody installed? see: opensentience agents info com.example.nobody)" });
  } finally {
    audit.flush(); // batched rows: written before the catalog closes, not by a timer after it
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
