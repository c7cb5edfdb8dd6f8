/**
 * Agent detail: everything the catalog knows about one agent. All manifest and
 * registry text is hostile input: it is only ever rendered escaped, links are
 * shown only for http(s) URLs and open with noopener/noreferrer.
 */
import type { Children } from "@kitajs/html";
import type { AgentDetail } from "../../core/catalog/types.ts";
import { AgentActions } from "../components/agent-actions.tsx";
import { Chips, SourceLabel, TrustScore, VerificationBadge } from "../components/badges.tsx";
import { Icon } from "../components/icons.tsx";
import { Layout } from "../components/layout.tsx";
import { Notice } from "../components/notice.tsx";
import { LiveBadges } from "../components/live-badges.tsx";
import { RuntimeControls } from "../components/runtime-controls.tsx";
import { ToolStatsCard } from "../components/tool-stats.tsx";
import { SandboxCard } from "../components/sandbox-card.tsx";
import { RejectedTools } from "../components/rejected-tools.tsx";
import { TrustCard } from "../components/trust-card.tsx";
import type { AgentTrust } from "../../core/approvals/agent-trust.ts";
import type { SandboxView } from "../../core/sandbox/launcher.ts";
import type { RuntimeStatus } from "../../core/runtime/runtime-status.ts";
import { InstallStatus } from "../components/install-status.tsx";
import { RegistryStanding } from "../components/registry-standing.tsx";
import { describePermission, PermissionString, RevokeForm } from "../components/permission-controls.tsx";
import { agentHref } from "../render.ts";

const httpUrl = (u: unknown): string | null => (typeof u === "string" && /^https?:\/\/[^\s]+$/i.test(u) ? u : null);

function ExternalLink({ href, text }: { href: string; text: string }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" class="mono break" safe>
      {text}
    </a>
  );
}

function Row({ label, children }: { label: string; children: Children }) {
  return (
    <div class="kv-row">
      <dt safe>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

const text = (v: string | number | null | undefined, cls = "") =>
  v === null || v === undefined || v === "" ? (
    <span class="muted">—</span>
  ) : (
    <span class={cls} safe>
      {String(v)}
    </span>
  );

function Card({ title, children, tone }: { title: string; children: Children; tone?: "danger" }) {
  return (
    <section class={tone ? `card card-${tone}` : "card"}>
      <h2 class="card-title" safe>{title}</h2>
      <div class="card-body">{children}</div>
    </section>
  );
}

function Permissions({ agent, csrf }: { agent: AgentDetail; csrf: string }) {
  const canRevoke = !!agent.id && !!agent.install;
  const approved = new Map(agent.approvals.map((a) => [a.permission, a]));
  const requested = new Set(agent.permissionsRequested);
  const stale = agent.approvals.filter((a) => !requested.has(a.permission));
  if (requested.size === 0 && stale.length === 0) return <p class="muted">This agent requests no permissions.</p>;
  return (
    <table class="table compact">
      <thead>
        <tr>
          <th scope="col">Permission</th>
          <th scope="col" class="perm-desc">Allows</th>
          <th scope="col">Approval</th>
          {canRevoke ? <th scope="col"><span class="visually-hidden">Actions</span></th> : ""}
        </tr>
      </thead>
      <tbody>
        {agent.permissionsRequested.map((p) => {
          const a = approved.get(p);
          return (
            <tr>
              <td class="perm-cell">
                <PermissionString permission={p} />
              </td>
              <td class="perm-desc" safe>{describePermission(p).text}</td>
              <td>{a ? <span class="badge badge-success" title={`Approved by ${a.actor} at ${a.approvedAt}`}>Approved</span> : <span class="badge badge-neutral">Not approved</span>}</td>
              {canRevoke ? <td class="cell-action">{a ? <RevokeForm agentId={agent.id!} permission={p} csrf={csrf} /> : ""}</td> : ""}
            </tr>
          );
        })}
        {stale.map((a) => (
          <tr>
            <td class="perm-cell">
              <PermissionString permission={a.permission} />
            </td>
            <td class="perm-desc" safe>{describePermission(a.permission).text}</td>
            <td>
              <span class="badge badge-warning">Approved, no longer requested</span>
            </td>
            {canRevoke ? (
              <td class="cell-action">
                <RevokeForm agentId={agent.id!} permission={a.permission} csrf={csrf} />
              </td>
            ) : (
              ""
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AgentDetailPage({
  agent,
  csrf,
  notice,
  noticeTone = "success",
  runtime = null,
  sandbox = null,
  toolStats = null,
  trust = null,
}: {
  agent: AgentDetail;
  csrf: string;
  notice?: string;
  noticeTone?: "success" | "danger";
  runtime?: RuntimeStatus | null;
  sandbox?: SandboxView | null;
  /** Per-tool metrics (src/web/components/tool-stats.tsx); null hides the card. */
  toolStats?: Parameters<typeof ToolStatsCard>[0] | null;
  /** Pinned tool surface and last local test (installed agents only). */
  trust?: AgentTrust | null;
}) {
  const m = agent.manifest ?? {};
  const docs = httpUrl(m.docs_url);
  const publisherUrl = httpUrl(agent.publisher?.url);
  const publisherName = typeof agent.publisher?.name === "string" ? agent.publisher.name : null;
  const title = agent.name || agent.id || "Invalid manifest";
  return (
    <Layout title={title} active="agents" csrf={csrf}>
      <a class="back-link" href="/agents">
        <Icon name="arrowLeft" size={16} /> Agents
      </a>
      <div class="detail-header">
        <div class="detail-title">
          <div class="avatar" aria-hidden="true" safe>
            {(agent.name || agent.id || "?").slice(0, 1).toUpperCase()}
          </div>
          <div>
            <h1 safe>{title}</h1>
            <div class="detail-meta">
              <span class="mono" safe>{agent.id ?? agent.key}</span>
              {agent.version ? <span class="mono muted" safe>{`v${agent.version}`}</span> : ""}
              <LiveBadges agent={agent} runtime={runtime} />
            </div>
          </div>
        </div>
        <AgentActions agent={agent} csrf={csrf} sandboxed={sandbox ? sandbox.sandboxed : null} />
      </div>
      {notice ? <Notice tone={noticeTone} message={notice} /> : ""}
      <InstallStatus agent={agent} />
      <RegistryStanding agent={agent} />
      {agent.errors.length > 0 ? (
        <Card title="Manifest problems" tone="danger">
          <ul class="problems">
            {agent.errors.map((e) => (
              <li>
                <code safe>{e.path}</code> <span safe>{e.message}</span>
              </li>
            ))}
          </ul>
        </Card>
      ) : (
        ""
      )}
      <div class="detail-grid">
        <div class="detail-main">
          <Card title="Description">{agent.description ? <p class="prose" safe>{agent.description}</p> : <p class="muted">No description.</p>}</Card>
          <Card title="Permissions requested">
            {sandbox && !sandbox.sandboxed && agent.permissionsRequested.length > 0 ? (
              <p class="notice notice-danger" data-testid="permissions-not-enforced">
                Not enforced on this machine: the sandbox is off, so approving or withholding filesystem, network and process permissions changes nothing.
              </p>
            ) : (
              ""
            )}
            <Permissions agent={agent} csrf={csrf} />
          </Card>
          <Card title="Tools">
            {agent.toolSummary.length === 0 ? (
              <p class="muted">No tools declared.</p>
            ) : (
              <ul class="tools">
                {agent.toolSummary.map((t) => (
                  <li>
                    <code safe>{t.name}</code>
                    <span safe>{t.description}</span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <RejectedTools runtime={runtime} />
          {toolStats ? <ToolStatsCard {...toolStats} /> : ""}
          <section class="card" x-data="copyBox">
            <div class="card-title-row">
              <h2 class="card-title">Manifest</h2>
              <button type="button" class="button button-ghost button-small" x-on:click="copy" x-text="label">
                Copy
              </button>
            </div>
            {agent.manifest ? (
              <pre class="code" x-ref="source"><code safe>{JSON.stringify(agent.manifest, null, 2)}</code></pre>
            ) : (
              <p class="muted">The manifest could not be parsed; see the problems above.</p>
            )}
          </section>
        </div>
        <aside class="detail-side">
          <RuntimeControls agent={agent} runtime={runtime} />
          {trust ? <TrustCard trust={trust} csrf={csrf} /> : ""}
          <SandboxCard view={sandbox} />
          <Card title="Details">
            <dl class="kv">
              <Row label="Source">
                <SourceLabel source={agent.source} registry={agent.registry} />
              </Row>
              <Row label="Path">{text(agent.path, "mono break")}</Row>
              <Row label="Git URL">{text(agent.gitUrl, "mono break")}</Row>
              <Row label="Ref">{text(agent.ref, "mono")}</Row>
              <Row label="Pinned commit">
                {agent.pinnedCommit ? (
                  <span class="mono" title="Installs and updates from this listing refuse any other commit" safe>{`${agent.pinnedCommit.slice(0, 12)} (installs verify it)`}</span>
                ) : (
                  text(null)
                )}
              </Row>
              <Row label="Install">{agent.install ? <span safe>{`${agent.install.state} at ${agent.install.installPath}`}</span> : <span class="muted">Not installed</span>}</Row>
              <Row label="Verification">
                <VerificationBadge verification={agent.verification} />
              </Row>
              <Row label="Trust score">
                <TrustScore score={agent.trustScore} />
              </Row>
              <Row label="Capabilities">
                <Chips items={agent.capabilities} max={12} />
              </Row>
              <Row label="Integrations">
                <Chips items={agent.integrationPoints} max={12} />
              </Row>
              <Row label="Keywords">
                <Chips items={agent.keywords} max={12} />
              </Row>
              <Row label="Publisher">{publisherUrl && publisherName ? <ExternalLink href={publisherUrl} text={publisherName} /> : text(publisherName)}</Row>
              <Row label="Docs">{docs ? <ExternalLink href={docs} text={docs} /> : text(null)}</Row>
              <Row label="Manifest SHA-256">{text(agent.manifestSha256?.slice(0, 16), "mono")}</Row>
              <Row label="First seen">{text(agent.firstSeenAt.slice(0, 19).replace("T", " "))}</Row>
              <Row label="Updated">{text(agent.updatedAt.slice(0, 19).replace("T", " "))}</Row>
            </dl>
          </Card>
          {agent.otherListings.length > 0 ? (
            <Card title="Also listed">
              <ul class="listings">
                {agent.otherListings.map((o) => (
                  <li>
                    <a href={agentHref(o.key)} class="mono break" safe>
                      {o.source === "remote" ? `registry ${o.registry ?? "?"}` : (o.path ?? o.key)}
                    </a>
                    <span class="muted">{o.status}</span>
                  </li>
                ))}
              </ul>
            </Card>
          ) : (
            ""
          )}
        </aside>
      </div>
    </Layout>
  );
}
