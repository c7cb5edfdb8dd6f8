/**
 * What this machine knows about trusting an installed agent (issue 16): the
 * tool surface the operator approved, a changed one waiting for re-approval
 * (its new and changed tools are blocked), and the last local `agents test`.
 * "Tests pass locally" is its own fact, never mixed with the registry's
 * verification level. Tool names and descriptions come from the agent: always
 * rendered escaped.
 */
import type { AgentTrust } from "../../core/approvals/agent-trust.ts";
import type { SurfaceTool } from "../../core/approvals/tool-surface.ts";
import { Badge } from "./badges.tsx";

const when = (iso: string) => iso.slice(0, 19).replace("T", " ");

function SurfaceChanges({ agentId, trust, csrf }: { agentId: string; trust: NonNullable<AgentTrust["toolSurface"]>; csrf: string }) {
  const p = trust.pending!;
  const before = new Map<string, SurfaceTool>(trust.tools.map((t) => [t.name, t]));
  const after = new Map<string, SurfaceTool>(p.tools.map((t) => [t.name, t]));
  const blocked = p.diff.added.length + p.diff.changed.length;
  return (
    <div class="notice notice-danger" data-testid="tool-surface-changed">
      <p>
        <strong>Tools changed since you approved them</strong>{" "}
        <span safe>{`(seen ${when(p.since)}). ${blocked ? `${blocked} tool(s) are blocked until you re-approve.` : "Nothing is blocked."}`}</span>
      </p>
      <ul class="surface-diff">
        {p.diff.added.map((n) => (
          <li data-change="added">
            <code safe>{`+ ${n}`}</code> <span>new tool:</span> <span safe>{after.get(n)?.description ?? ""}</span>
          </li>
        ))}
        {p.diff.changed.map((c) => (
          <li data-change="changed">
            <code safe>{`~ ${c.name}`}</code> <span safe>{`${c.fields.join(", ")} changed`}</span>
            {c.fields.includes("description") ? (
              <div class="muted">
                <div safe>{`was: ${before.get(c.name)?.description ?? ""}`}</div>
                <div safe>{`now: ${after.get(c.name)?.description ?? ""}`}</div>
              </div>
            ) : (
              ""
            )}
          </li>
        ))}
        {p.diff.removed.map((n) => (
          <li data-change="removed">
            <code safe>{`- ${n}`}</code> <span>removed</span>
          </li>
        ))}
      </ul>
      <form method="post" action={`/actions/agents/${encodeURIComponent(agentId)}/enable`}>
        <input type="hidden" name="_csrf" value={csrf} />
        {/* What was shown is what gets approved: a newer change is refused (409) and shown instead. */}
        <input type="hidden" name="surface_hash" value={p.hash} />
        <button type="submit" class="button button-primary button-small" data-testid="reapprove-tools">
          Re-approve these tool changes
        </button>
      </form>
    </div>
  );
}

export function TrustCard({ trust, csrf }: { trust: AgentTrust; csrf: string }) {
  const s = trust.toolSurface;
  const t = trust.lastTest;
  return (
    <section class="card" data-testid="trust-card">
      <h2 class="card-title">Trust on this machine</h2>
      {s?.pending ? <SurfaceChanges agentId={trust.agentId} trust={s} csrf={csrf} /> : ""}
      <dl class="kv">
        <div class="kv-row">
        <dt>Tool surface</dt>
        <dd>
          {s ? (
            <span title={`sha256 ${s.hash}`} safe>
              {`${s.tools.length} tools approved ${when(s.pinnedAt)} by ${s.pinnedBy}${s.source === "manifest" ? " (from the manifest; pinned again at first run)" : ""}`}
            </span>
          ) : (
            <span class="muted">Pinned when the agent is enabled</span>
          )}
        </dd>
        </div>
        <div class="kv-row">
        <dt>Local tests</dt>
        <dd data-testid="local-tests">
          {t ? (
            <span>
              {t.outcome === "passed" ? <Badge tone="success" label="Tests pass locally" /> : <Badge tone="danger" label={t.outcome === "failed" ? "Tests fail locally" : `Test run: ${t.outcome}`} />}{" "}
              <span class="muted" safe>
                {`${t.tests ?? "?"} tests, ${t.failures ?? "?"} failures · v${t.version} · ${when(t.ranAt)}${t.sandboxed ? "" : " · not sandboxed"}${t.commitSha !== trust.installedCommit ? " · an earlier build (the installed one is untested)" : ""}`}
              </span>
            </span>
          ) : (
            <span class="muted" safe>{`Not run here (opensentience agents test ${trust.agentId})`}</span>
          )}
        </dd>
        </div>
      </dl>
      <p class="muted small">Separate from the registry's verification level, which is the registry's word.</p>
    </section>
  );
}
