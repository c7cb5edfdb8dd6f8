/**
 * The `/mcp` route (MCP Streamable HTTP). The request guard has refused
 * everything but a valid client token by now; the body is left unparsed for
 * the SDK's transport (the handler never touches Elysia's `body`).
 */
import { Elysia } from "elysia";
import { type HttpDeps, requestInfo } from "../api/context.ts";
import { AppError } from "../core/errors.ts";
import { MCP_PATH } from "./http-sessions.ts";

export const mcpEndpoint = (deps: HttpDeps) => {
  const handle = ({ request }: { request: Request }) => {
    const p = requestInfo(request).principal;
    if (p.kind !== "client") throw new AppError("unauthorized", "a client token is required");
    return deps.mcp.handle(request, p.client);
  };
  return new Elysia({ name: "mcp.http" }).get(MCP_PATH, handle).post(MCP_PATH, handle).delete(MCP_PATH, handle);
};
