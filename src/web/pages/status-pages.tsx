/**
 * 404 and error pages. Inside the app shell for a logged-in session; a
 * standalone card otherwise (e.g. an unknown asset requested before login).
 */
import type { Children } from "@kitajs/html";
import { Document, Layout } from "../components/layout.tsx";
import { Icon } from "../components/icons.tsx";
import { queryString } from "../render.ts";

function Body({ status, title, message, children }: { status: number; title: string; message: string; children?: Children }) {
  return (
    <div class="status-page">
      <div class="status-code" safe>{String(status)}</div>
      <h1 safe>{title}</h1>
      <p class="status-message" safe>{message}</p>
      <div class="status-actions">{children}</div>
    </div>
  );
}

function Frame({ csrf, title, children }: { csrf: string | null; title: string; children: Children }) {
  return csrf ? (
    <Layout title={title} csrf={csrf}>
      {children}
    </Layout>
  ) : (
    <Document title={title} bodyClass="auth-body">
      <main class="auth">{children}</main>
    </Document>
  );
}

/** The last path segment when the path names an agent (`/agents/<x>`), to search the catalog for it. */
function agentQuery(path: string): string | null {
  const m = /^\/agents\/([^/]+)/.exec(path);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!).slice(0, 200);
  } catch {
    return null;
  }
}

export function NotFoundPage({ csrf, path }: { csrf: string | null; path: string }) {
  const q = agentQuery(path);
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return (
    <Frame csrf={csrf} title="Not found">
      <Body status={404} title={q ? "No such agent" : "Page not found"} message={q ? `No agent '${q}' is in the catalog.` : `Nothing lives at ${shown}.`}>
        {q ? (
          <>
            <p class="status-hint">Search the catalog for a similar name, or add and sync a registry that lists it.</p>
            <a class="button button-primary" href={`/agents${queryString({ q })}`} data-testid="search-for-agent">
              <Icon name="agents" /> Search agents
            </a>
            <a class="button button-secondary" href="/registries">
              Registries
            </a>
          </>
        ) : (
          <>
            <a class="button button-primary" href="/agents">
              <Icon name="agents" /> Go to agents
            </a>
            <a class="button button-secondary" href="/audit">
              Audit log
            </a>
          </>
        )}
      </Body>
    </Frame>
  );
}

const TITLES: Record<number, string> = { 400: "That request was not valid", 401: "Please log in", 403: "Not allowed", 404: "Not found", 409: "Not possible right now", 429: "Slow down" };

export function ErrorPage({ csrf, status, code, message }: { csrf: string | null; status: number; code: string; message: string }) {
  const title = TITLES[status] ?? "Something went wrong";
  return (
    <Frame csrf={csrf} title={title}>
      <Body status={status} title={title} message={message}>
        <span class="chip mono" safe>{code}</span>
        <a class="button button-secondary" href="/agents">
          Back to agents
        </a>
      </Body>
    </Frame>
  );
}
