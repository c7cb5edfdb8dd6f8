/**
 * A GET to the running daemon without the typed client: for the cheap read
 * commands (`agents list`, `agents search`), whose start would otherwise be
 * mostly building zod schemas — the contract's, the config's and zod itself
 * are ~150 M instructions, the command's real work ~10 M (callgrind, issue 13).
 *
 * It answers only the happy path: anything unusual (no daemon file, a dead
 * pid, no token, a non-200 answer, a body not shaped as expected) returns
 * null and the caller takes the full path, which validates and reports errors
 * exactly as every other command does. Same token checks as the client
 * (token-file.ts), same audit actor (`cli`).
 */
import { readFileSync } from "node:fs";
import { ADMIN_TOKEN_ENV, readTokenFile } from "../api/auth/token-file.ts";
import { CLIENT_HEADER } from "../contract/headers.ts";
import { pidAlive } from "../core/pid.ts";
import { httpGetText } from "./http-get.ts";

export async function daemonGetDirect(daemonFile: string, tokenFile: string, env: Record<string, string | undefined>, path: string, query: Record<string, string | number | undefined>): Promise<unknown> {
  let info: { url?: unknown; pid?: unknown };
  try {
    // node:fs, loaded anyway for the token file: Bun.file().json() would start a thread pool (~4 ms of CPU).
    info = JSON.parse(readFileSync(daemonFile, "utf8")) as typeof info;
  } catch {
    return null;
  }
  if (typeof info.url !== "string" || typeof info.pid !== "number" || !pidAlive(info.pid)) return null;
  let url: URL;
  let token: string;
  try {
    url = new URL(`/api/v1${path}`, info.url);
    token = env[ADMIN_TOKEN_ENV] ?? readTokenFile(tokenFile);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const headers = { authorization: `Bearer ${token}`, [CLIENT_HEADER]: "cli" };
  try {
    if (url.protocol === "http:") {
      const text = await httpGetText(url, headers);
      return text === null ? null : JSON.parse(text);
    }
    const res = await fetch(url, { headers, redirect: "manual" });
    if (res.status !== 200) return null;
    return await res.json();
  } catch {
    return null;
  }
}
