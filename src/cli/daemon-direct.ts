/**
 * A GET to the running daemon without the typed client: for the cheap read
 * commands (`agents list`, `agents search`), whose start would otherwise be
 * mostly building zod schemas — the contract's, the config's and zod itself
 * are ~150 M instructions, the command's real work ~10 M (callgrind, issue 13).
 *
 * It goes over the daemon's local API socket (daemon/local-api-socket.ts), so
 * it reads neither the daemon file nor the admin token: no `node:fs`, whose
 * loading alone costs a compiled binary ~7 ms of CPU. Same audit actor
 * (`cli`) as the typed client.
 *
 * It answers only the happy path: anything unusual (no socket, a crashed
 * daemon's socket, a non-200 answer, a body that is not JSON) returns null
 * and the caller takes the full path, which finds the daemon through its
 * file, validates and reports errors exactly as every other command does.
 */
import { CLIENT_HEADER } from "../contract/headers.ts";
import { httpGetText } from "./http-get.ts";

export async function daemonGetDirect(socket: string, path: string, query: Record<string, string | number | undefined>): Promise<unknown> {
  // The Host is the forwarder's business; any well-formed one will do.
  const url = new URL(`/api/v1${path}`, "http://localhost");
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const text = await httpGetText(url, { [CLIENT_HEADER]: "cli" }, socket);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
