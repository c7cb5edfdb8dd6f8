/**
 * Validates a decoded frame against the message schemas, telling apart the
 * three outcomes the connection handles differently: a malformed frame
 * (`bad_frame`), a well-formed frame of a type this core does not know
 * (`unknown_type`, connection stays open, §2) and a frame of another protocol
 * major version (`unsupported_version`). Never throws.
 */
import type { z } from "zod";
import { PROTOCOL_VERSION } from "./constants.ts";
import { envelopeSchema, idSchema } from "./message-fields.ts";
import { MESSAGE_SCHEMAS, type Message, type MessageType } from "./messages.ts";

export type ParseFailureCode = "bad_frame" | "unknown_type" | "unsupported_version";

/**
 * A failed parse. `id`, `type` and `request_id` are copied from the frame
 * when they are well-formed, so the caller can answer with `reply_to` and
 * fail the pending call the frame belonged to.
 */
export interface ParseFailure {
  ok: false;
  code: ParseFailureCode;
  message: string;
  id?: string;
  type?: string;
  request_id?: string;
}

export type ParseResult = { ok: true; msg: Message } | ParseFailure;

const MAX_ISSUES_REPORTED = 3;

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(frame)" : out;
}

/** Short, bounded description of a zod failure, e.g. `payload.tools[0].name: must match ...`. */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, MAX_ISSUES_REPORTED).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join("; ")} (+${more} more)` : shown.join("; ");
}

function wellFormedId(value: unknown): string | undefined {
  return idSchema.safeParse(value).success ? (value as string) : undefined;
}

function isKnownType(type: string): type is MessageType {
  return Object.hasOwn(MESSAGE_SCHEMAS, type);
}

function failure(code: ParseFailureCode, message: string, frame: unknown): ParseFailure {
  const out: ParseFailure = { ok: false, code, message };
  if (typeof frame !== "object" || frame === null) return out;
  const fields = frame as Record<string, unknown>;
  const id = wellFormedId(fields.id);
  const type = typeof fields.type === "string" && fields.type.length <= 64 ? fields.type : undefined;
  const requestId = wellFormedId(fields.request_id);
  if (id !== undefined) out.id = id;
  if (type !== undefined) out.type = type;
  if (requestId !== undefined) out.request_id = requestId;
  return out;
}

/** Checks one decoded frame (normally a `FrameDecoder` output) and returns the typed message. */
export function parseMessage(frame: unknown): ParseResult {
  // Fast path: a v1 frame of a known type that passes its schema (the schema
  // includes the envelope). Everything else is classified below.
  const fields = typeof frame === "object" && frame !== null ? (frame as Record<string, unknown>) : undefined;
  const claimed = fields?.type;
  const known = typeof claimed === "string" && isKnownType(claimed) ? claimed : undefined;
  if (known !== undefined && fields?.v === PROTOCOL_VERSION) {
    const parsed = MESSAGE_SCHEMAS[known].safeParse(frame);
    if (parsed.success) return { ok: true, msg: parsed.data as Message };
    const envelope = envelopeSchema.safeParse(frame);
    const what = envelope.success ? `invalid ${known}` : "invalid envelope";
    return failure("bad_frame", `${what}: ${describeIssues((envelope.success ? parsed : envelope).error)}`, frame);
  }
  const envelope = envelopeSchema.safeParse(frame);
  if (!envelope.success) return failure("bad_frame", `invalid envelope: ${describeIssues(envelope.error)}`, frame);
  const { v, type } = envelope.data;
  if (v !== PROTOCOL_VERSION) {
    return failure("unsupported_version", `frame version ${v} is not supported (this core speaks ${PROTOCOL_VERSION})`, frame);
  }
  return failure("unknown_type", `unknown message type "${type}"`, frame);
}
