/**
 * One valid frame per message type, exactly as it travels on the wire. Used
 * by the tests and the fuzz corpus; also the golden examples the Elixir SDK's
 * tests can be checked against.
 */
import type { MessageType } from "./messages.ts";

const REQ = "req-7f3c";

export const MESSAGE_EXAMPLES: Record<MessageType, Record<string, unknown>> = {
  hello: {
    v: 1,
    type: "hello",
    id: "a-1",
    payload: {
      agent_id: "com.example.git_commit",
      token: "tok_2b7e151628aed2a6abf7158809cf4f3c",
      agent_version: "0.3.1",
      sdk: { name: "opensentience_sdk", version: "0.1.0" },
      protocol: { min: 1, max: 1 },
      capabilities: ["tools", "streaming", "cancellation", "chat"],
    },
  },
  welcome: {
    v: 1,
    type: "welcome",
    id: "c-1",
    reply_to: "a-1",
    payload: {
      protocol_version: 1,
      session_id: "sess-91d2",
      heartbeat_interval_ms: 5000,
      max_frame_bytes: 1_048_576,
      max_concurrent_calls: 4,
    },
  },
  "tools.register": {
    v: 1,
    type: "tools.register",
    id: "a-2",
    payload: {
      tools: [
        {
          name: "suggest_message",
          description: "Suggest a commit message for the staged diff",
          input_schema: { type: "object", properties: { diff: { type: "string" } }, required: ["diff"] },
          output_schema: { type: "object", properties: { message: { type: "string" } } },
          permissions: ["filesystem:read:~/Projects"],
          streaming: true,
          cancellable: true,
          timeout_ms: 30_000,
        },
        {
          name: "ping",
          description: "",
          input_schema: { type: "object" },
          permissions: [],
          streaming: false,
          cancellable: false,
        },
      ],
    },
  },
  "tools.registered": {
    v: 1,
    type: "tools.registered",
    id: "c-2",
    reply_to: "a-2",
    payload: { accepted: ["suggest_message"], rejected: [{ name: "ping", reason: "duplicate tool name" }] },
  },
  "tool.call": {
    v: 1,
    type: "tool.call",
    id: "c-3",
    request_id: REQ,
    correlation_id: "turn-5",
    payload: {
      tool: "suggest_message",
      arguments: { diff: "--- a/x\n+++ b/x\n" },
      timeout_ms: 30_000,
      caller: { kind: "cli", id: "cli-4411" },
    },
  },
  "tool.progress": { v: 1, type: "tool.progress", id: "a-3", request_id: REQ, payload: { seq: 0, chunk: "Fix: " } },
  "tool.result": {
    v: 1,
    type: "tool.result",
    id: "a-4",
    request_id: REQ,
    causation_id: "c-3",
    payload: { output: { message: "Fix: handle empty diff" } },
  },
  "tool.error": {
    v: 1,
    type: "tool.error",
    id: "a-5",
    request_id: REQ,
    payload: { error: { code: "canceled", message: "canceled by caller", retryable: false, details: { at: "diff" } } },
  },
  "tool.cancel": { v: 1, type: "tool.cancel", id: "c-4", request_id: REQ, payload: { reason: "timeout" } },
  "tool.invoke": {
    v: 1,
    type: "tool.invoke",
    id: "a-6",
    request_id: "req-inv-1",
    correlation_id: "turn-5",
    payload: { tool: "com.example.search/find_files", arguments: { glob: "*.ex" }, timeout_ms: 5000 },
  },
  "chat.message": {
    v: 1,
    type: "chat.message",
    id: "c-5",
    request_id: "turn-req-1",
    correlation_id: "turn-5",
    payload: {
      session_id: "chat-1",
      message_id: "msg-2",
      text: "Summarise the diff",
      history: [
        { role: "user", text: "hi" },
        { role: "assistant", text: "Hello — ready ✓" },
      ],
    },
  },
  "chat.delta": { v: 1, type: "chat.delta", id: "a-7", request_id: "turn-req-1", payload: { text: "The diff " } },
  "chat.done": { v: 1, type: "chat.done", id: "a-8", request_id: "turn-req-1", payload: { text: "The diff adds a test." } },
  heartbeat: { v: 1, type: "heartbeat", id: "a-9", payload: { seq: 42 } },
  log: { v: 1, type: "log", id: "a-10", payload: { level: "info", message: "indexed 12 files", fields: { ms: 31 } } },
  shutdown: { v: 1, type: "shutdown", id: "c-6", payload: { reason: "core stopping", grace_ms: 5000 } },
  error: {
    v: 1,
    type: "error",
    id: "c-7",
    reply_to: "a-11",
    payload: { code: "unknown_type", message: 'unknown message type "tool.frobnicate"' },
  },
};
