/** The web UI: login, pages, browser actions and static assets. */
import { Elysia } from "elysia";
import type { HttpDeps } from "../api/context.ts";
import { actionRoutes } from "./routes/actions.ts";
import { assetRoutes } from "./routes/assets.ts";
import { loginRoutes } from "./routes/login.tsx";
import { pageRoutes } from "./routes/pages.tsx";
import { toolStatsRoutes } from "./routes/tool-stats.tsx";

export const webUi = (deps: HttpDeps) => new Elysia({ name: "web" }).use(assetRoutes()).use(loginRoutes(deps)).use(pageRoutes(deps)).use(toolStatsRoutes(deps)).use(actionRoutes(deps));
