/** Health, auth and the error body every failing call answers with. */
import { z } from "zod";

export { CLIENT_HEADER } from "./headers.ts";

export const healthSchema = z.object({ status: z.literal("ok"), version: z.string(), pid: z.number(), started_at: z.string() });
export const versionSchema = z.object({ version: z.string(), commit: z.string() });
export const rotateTokenSchema = z.object({ rotated: z.literal(true), sessions_revoked: z.number().int().min(0) });
export const whoamiSchema = z.object({ kind: z.enum(["bearer", "session", "anonymous"]), actor: z.string().nullable() });
/** `{error: {code, message}}`: every API error. */
export const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
