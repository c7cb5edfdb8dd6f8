/**
 * `GET /api/v1/mcp/tools[?token_name=NAME]`: the tools as MCP clients see
 * them (names, schemas; src/mcp/tool-view.ts), limited to a client token's
 * scope when one is named. `opensentience mcp` lists through this, so the
 * mapping is made in one place. (MCP itself is served on /mcp, not here.)
 */
import { Elysia } from "elysia";
import { mcpToolViews } from "../../mcp/tool-view.ts";
import type { HttpDeps } from "../context.ts";
import { mcpToolsQuerySchema } from "../schemas.ts";

export const mcpRoutes = (deps: HttpDeps) =>
  new Elysia({ name: "api.mcp", prefix: "/mcp" }).get(
    "/tools",
    ({ query }) => {
      const scope = query.token_name ? deps.services.clientTokens.get(query.token_name).tools : undefined;
      return { tools: mcpToolViews(deps.runtime.tools(), scope) };
    },
    { query: mcpToolsQuerySchema },
  );
