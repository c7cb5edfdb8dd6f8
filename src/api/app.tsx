/**
 * The daemon's HTTP application: the request guard first (before routing, for
 * every request), then the JSON API and the web UI, with one error handler.
 * `createHttpHandler` adds the final response pass (security headers) and is
 * what the server and tests call.
 */
import { Elysia } from "elysia";
import { toAppError } from "../core/errors.ts";
import { redactText } from "../core/redact.ts";
import { webUi } from "../web/index.ts";
import { ErrorPage, NotFoundPage } from "../web/pages/status-pages.tsx";
import { htmlResponse } from "../web/render.ts";
import { type HttpDeps, sessionCsrfOrNull, setRequestInfo } from "./context.ts";
import { fromFrameworkError, HTTP_STATUS, jsonError, publicMessage } from "./errors.ts";
import { apiV1 } from "./routes/index.ts";
import { guardRequest } from "./auth/request-guard.ts";
import { SECURITY_HEADERS, secureResponse } from "./security/headers.ts";

const isApiPath = (path: string) => path === "/api" || path.startsWith("/api/");

export function createHttpApp(deps: HttpDeps) {
  return (
    new Elysia({ name: "opensentience-http" })
      // FIRST hook, global: nothing below runs for a refused request.
      .onRequest(async ({ request, set }) => {
        Object.assign(set.headers, SECURITY_HEADERS);
        const verdict = await guardRequest(request, deps);
        if (verdict instanceof Response) return verdict;
        setRequestInfo(request, verdict);
      })
      .onError(({ code, error, request }) => {
        const err = fromFrameworkError(code, error);
        const path = new URL(request.url).pathname;
        if (err.code === "internal") deps.log.warn(redactText(`http ${request.method} ${path}: ${toAppError(error).stack ?? err.message}`));
        if (isApiPath(path)) return jsonError(err);
        const info = sessionCsrfOrNull(request);
        if (err.code === "not_found" && code === "NOT_FOUND") return htmlResponse(<NotFoundPage csrf={info} path={path} />, 404);
        return htmlResponse(<ErrorPage csrf={info} status={HTTP_STATUS[err.code]} code={err.code} message={publicMessage(err)} />, HTTP_STATUS[err.code]);
      })
      .use(apiV1(deps))
      .use(webUi(deps))
  );
}

export type HttpHandler = (req: Request) => Promise<Response>;

/** The app plus the final pass that guarantees security headers and no CORS on every response. */
export function createHttpHandler(deps: HttpDeps): HttpHandler {
  const app = createHttpApp(deps);
  return async (req) => {
    try {
      return secureResponse(await app.handle(req));
    } catch (e) {
      return secureResponse(jsonError(toAppError(e)));
    }
  };
}
