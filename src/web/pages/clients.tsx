/**
 * MCP clients: the scoped client tokens (name, tools, created, last use and
 * the client that used it) with a Revoke form each (POST + CSRF, see
 * src/web/routes/actions.ts), and how to connect a client. Tokens are created
 * with the CLI (`opensentience token create`), which shows the secret once.
 */
import type { ClientTokenInfo } from "../../core/client-tokens/client-tokens.ts";
import { Icon } from "../components/icons.tsx";
import { EmptyState, Layout, PageHeader } from "../components/layout.tsx";
import { Notice } from "../components/notice.tsx";

const CONFIG_SNIPPET = `{"command": "opensentience", "args": ["mcp"]}`;
const when = (iso: string | null) => (iso ? iso.slice(0, 19).replace("T", " ") : null);

function TokenRow({ t, csrf }: { t: ClientTokenInfo; csrf: string }) {
  return (
    <tr data-token={t.name}>
      <td data-label="Name" class="mono" safe>
        {t.name}
      </td>
      <td data-label="Tools" class="mono break">
        {t.tools.map((p) => (
          <span class="chip" safe>
            {p}
          </span>
        ))}
      </td>
      <td data-label="Created" class="mono nowrap" title={t.createdAt} safe>
        {`${when(t.createdAt)} (${t.createdBy})`}
      </td>
      <td data-label="Last used" class="mono nowrap">
        {t.lastUsedAt ? <span title={t.lastUsedAt} safe>{when(t.lastUsedAt)!}</span> : <span class="muted">never</span>}
      </td>
      <td data-label="Last client" class="mono break">
        {t.lastClient ? <span safe>{t.lastClient}</span> : <span class="muted">—</span>}
      </td>
      <td data-label="">
        <form method="post" action={`/actions/client-tokens/${encodeURIComponent(t.name)}/revoke`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <button type="submit" class="button button-danger button-small" data-action="revoke-token">
            <Icon name="trash" />
            <span>Revoke</span>
          </button>
        </form>
      </td>
    </tr>
  );
}

export function ClientsPage({ tokens, csrf, origin, notice }: { tokens: ClientTokenInfo[]; csrf: string; origin: string; notice?: { tone: "success" | "danger"; message: string } }) {
  return (
    <Layout title="MCP clients" active="clients" csrf={csrf}>
      <PageHeader title="MCP clients" subtitle="Client tokens let MCP clients (Claude, Cursor, VS Code …) call the running agents' tools through the router, limited to the tools each token names." />
      {notice ? <Notice tone={notice.tone} message={notice.message} /> : ""}
      {tokens.length === 0 ? (
        <EmptyState icon="key" title="No client tokens">
          <p>
            Create one with <code>opensentience token create NAME --tools 'AGENT_ID/*'</code>; the token is shown once.
          </p>
        </EmptyState>
      ) : (
        <div class="card table-card">
          <table class="table clients-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Tools</th>
                <th scope="col">Created (UTC)</th>
                <th scope="col">Last used</th>
                <th scope="col">Last client</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <TokenRow t={t} csrf={csrf} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section class="card">
        <h2 class="card-title">Connect a client</h2>
        <p>
          Local clients that start programs (stdio): <code>{CONFIG_SNIPPET}</code>. Clients that speak Streamable HTTP:
        </p>
        <pre class="mono break" safe>{`URL:    ${origin}/mcp\nHeader: Authorization: Bearer <client token>`}</pre>
      </section>
    </Layout>
  );
}
