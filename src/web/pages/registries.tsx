/**
 * Registries: the git repositories that list installable agents. Each card
 * shows URL, ref, last sync, commit, status and every bad entry by file name;
 * Sync runs through the JSON API with live progress (assets/install.js,
 * component `registrySync`); a sync refused because the history was
 * rewritten is shown as such, with an explicit "sync anyway" (force). A signed
 * registry shows its allowed signers (the copy made at add time) and the last
 * signature check; a head refused for its signature is shown as a refusal.
 * Add and Remove are POST forms (src/web/routes/actions.ts). Registry text
 * (description, errors, URLs) is hostile: rendered escaped only.
 */
import type { RegistryInfo } from "../../core/registry/registries.ts";
import { Badge } from "../components/badges.tsx";
import { Icon } from "../components/icons.tsx";
import { Modal, ProgressSteps, ResultBox } from "../components/install-dialog.tsx";
import { EmptyState, Layout, PageHeader } from "../components/layout.tsx";
import { Notice } from "../components/notice.tsx";

export interface RegistryForm {
  name?: string;
  git_url?: string;
  ref?: string;
  allowed_signers?: string;
}

export interface RegistriesPageProps {
  registries: RegistryInfo[];
  csrf: string;
  notice?: { tone: "success" | "danger"; message: string };
  form?: RegistryForm;
}

/** The sync service refuses a rewritten history with this wording (Registries.sync). */
export const isHistoryRewritten = (r: Pick<RegistryInfo, "lastSyncStatus" | "lastError">) => r.lastSyncStatus === "failed" && /history was rewritten/.test(r.lastError ?? "");

/** The last sync failed because the head's signature was refused (Registries.sync). */
export const isSignatureRefused = (r: Pick<RegistryInfo, "lastSyncStatus" | "signature">) => r.lastSyncStatus === "failed" && r.signature?.status === "refused";

const time = (iso: string | null) => (iso ? iso.slice(0, 19).replace("T", " ") : null);

function StatusBadge({ r }: { r: RegistryInfo }) {
  switch (r.lastSyncStatus) {
    case "ok":
      return <Badge tone="success" label="Synced" />;
    case "partial":
      return <Badge tone="warning" label="Synced with bad entries" title="Some entry files were skipped; see below" />;
    case "failed":
      if (isSignatureRefused(r)) return <Badge tone="danger" label="Refused: signature" title="The head is not signed by an allowed key" />;
      return isHistoryRewritten(r) ? <Badge tone="danger" label="Refused: history rewritten" /> : <Badge tone="danger" label="Sync failed" />;
    default:
      return <Badge tone="neutral" label="Never synced" />;
  }
}

function Meta({ label, children }: { label: string; children: JSX.Element | string }) {
  return (
    <div class="registry-meta-row">
      <dt safe>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function SyncPanel() {
  return (
    <div class="sync-panel" x-show="showPanel" x-cloak>
      <ProgressSteps compact>
        <span>Syncing…</span>
      </ProgressSteps>
      <ResultBox tone="ok" show="isSucceeded" dismissible>
        <strong class="result-title" x-text="resultTitle"></strong>
        <p x-text="resultText"></p>
        <ul class="sync-changes">
          <template x-for="c in changes">
            <li x-bind:class="c.cls">
              <span class="diff-sign" x-text="c.sign"></span>
              <span class="mono break" x-text="c.text"></span>
            </li>
          </template>
        </ul>
      </ResultBox>
      <ResultBox tone="failed" show="showFailure" dismissible>
        <strong class="result-title">Sync failed</strong>
        <p class="break" x-text="errorMessage"></p>
      </ResultBox>
    </div>
  );
}

function SignatureMeta({ r }: { r: RegistryInfo }) {
  if (!r.requireSigned) return <span class="muted">not required (anyone who can push to the registry changes the catalog)</span>;
  const s = r.signature;
  return (
    <div class="registry-signers">
      <div>
        {s ? <Badge tone={s.status === "verified" ? "success" : "danger"} label={s.status === "verified" ? "Verified" : "Refused"} /> : <Badge tone="neutral" label="Not checked yet" />}
        {s?.commit ? (
          <code title={s.commit} safe>
            {s.commit.slice(0, 12)}
          </code>
        ) : (
          ""
        )}
        {s?.detail ? (
          <span class="break signature-detail" safe>
            {s.detail}
          </span>
        ) : (
          ""
        )}
      </div>
      <span class="field-hint">Heads must be signed by one of:</span>
      <ul class="signer-list">
        {(r.allowedSigners?.signers ?? []).map((k) => (
          <li>
            <span class="break" safe>
              {k.principals}
            </span>{" "}
            <code class="break" safe>{`${k.keyType} ${k.fingerprint}`}</code>
          </li>
        ))}
      </ul>
      {r.allowedSigners?.problem ? (
        <p class="break danger-text" safe>
          {r.allowedSigners.problem}
        </p>
      ) : (
        ""
      )}
      <span class="field-hint break" safe>{`Copy made when the registry was added: ${r.allowedSigners?.path ?? "missing"}`}</span>
    </div>
  );
}

function RegistryCard({ r, csrf }: { r: RegistryInfo; csrf: string }) {
  const rewritten = isHistoryRewritten(r);
  return (
    <article class="card registry-card" x-data="registrySync" data-name={r.name} data-rewritten={rewritten ? "1" : ""}>
      <div class="registry-head">
        <div class="registry-title">
          <span class="registry-mark" aria-hidden="true">
            <Icon name="folder" size={18} />
          </span>
          <div>
            <h2 safe>{r.name}</h2>
            <div class="registry-sub">
              <StatusBadge r={r} />
              <span class="muted" safe>{`${r.agentCount} agent${r.agentCount === 1 ? "" : "s"} listed`}</span>
            </div>
          </div>
        </div>
        <div class="actions">
          <button type="button" class="button button-secondary" data-action="sync" x-on:click="sync" x-bind:disabled="isRunning" title="Fetch the registry and update the catalog in one transaction">
            <Icon name="sync" />
            <span>Sync</span>
          </button>
          <div class="action-item" x-data="modal">
            <button type="button" class="button button-ghost" data-action="remove" x-on:click="open" title="Remove this registry and its listings">
              <Icon name="trash" />
              <span>Remove</span>
            </button>
            <Modal title={`Remove registry ${r.name}?`} labelId={`remove-title-${r.name}`} icon="trash" ref="dialog" tone="danger">
              <form method="post" action={`/actions/registries/${encodeURIComponent(r.name)}/remove`} class="modal-form">
                <input type="hidden" name="_csrf" value={csrf} />
                <div class="modal-body">
                  <p class="modal-lead" safe>
                    {`Its ${r.agentCount} listing${r.agentCount === 1 ? "" : "s"} disappear from the catalog and its local clone is deleted.`}
                  </p>
                  <p>Agents you installed from it stay installed (they can no longer be updated from it).</p>
                </div>
                <div class="modal-footer">
                  <button type="button" class="button button-secondary" x-on:click="close">
                    Cancel
                  </button>
                  <button type="submit" class="button button-danger" data-confirm="remove">
                    Remove registry
                  </button>
                </div>
              </form>
            </Modal>
          </div>
        </div>
      </div>
      {r.description ? (
        <p class="registry-desc" safe>
          {r.description}
        </p>
      ) : (
        ""
      )}
      <dl class="registry-meta">
        <Meta label="Git URL">
          <span class="mono break" safe>
            {r.gitUrl}
          </span>
        </Meta>
        <Meta label="Ref">
          <span class="mono" safe>
            {r.ref}
          </span>
        </Meta>
        <Meta label="Last sync">{time(r.lastSyncAt) ? <span class="mono" safe>{time(r.lastSyncAt)!}</span> : <span class="muted">never</span>}</Meta>
        <Meta label="Commit">{r.lastCommit ? <code title={r.lastCommit} safe>{r.lastCommit.slice(0, 12)}</code> : <span class="muted">—</span>}</Meta>
        <Meta label="Signatures">
          <SignatureMeta r={r} />
        </Meta>
      </dl>
      {isSignatureRefused(r) ? (
        <div class="callout callout-danger signature-refused" role="alert">
          <strong>Sync refused: the registry's head is not signed by an allowed key</strong>
          <p class="break" safe>
            {r.lastError ?? ""}
          </p>
          {r.lastCommit ? (
            <p safe>{`The catalog keeps the last good snapshot (${r.lastCommit.slice(0, 12)}). Ask the registry's maintainer to sign the head with an allowed key; to trust other keys, remove and re-add the registry.`}</p>
          ) : (
            <p>Nothing from this registry is in the catalog. Ask the registry's maintainer to sign the head with an allowed key.</p>
          )}
        </div>
      ) : rewritten ? (
        <div class="callout callout-danger history-rewritten" role="alert">
          <strong>Sync refused: the registry's history was rewritten</strong>
          <p class="break" safe>
            {r.lastError ?? ""}
          </p>
          <p>
            The new commit does not descend from the one synced last (a force-push). That is how a tampered registry would look: accept it only if you know why it happened.
          </p>
          <button type="button" class="button button-danger button-small" data-action="force-sync" x-on:click="openForce">
            Sync anyway (--force)
          </button>
        </div>
      ) : r.lastSyncStatus === "failed" && r.lastError ? (
        <div class="callout callout-danger" role="alert">
          <strong>The last sync failed; the catalog still shows the previous state</strong>
          <p class="break mono" safe>
            {r.lastError}
          </p>
        </div>
      ) : (
        ""
      )}
      {r.entryErrors.length > 0 ? (
        <details class="entry-errors" open={r.entryErrors.length <= 5}>
          <summary safe>{`${r.entryErrors.length} bad entr${r.entryErrors.length === 1 ? "y" : "ies"} skipped`}</summary>
          <ul>
            {r.entryErrors.slice(0, 200).map((e) => (
              <li>
                <code class="break" safe>
                  {e.file}
                </code>
                <span class="break" safe>
                  {e.message}
                </span>
              </li>
            ))}
          </ul>
        </details>
      ) : (
        ""
      )}
      <SyncPanel />
      {rewritten ? (
        <dialog class="modal modal-danger" x-ref="forceDialog" aria-labelledby={`force-title-${r.name}`}>
          <div class="modal-header">
            <span class="modal-icon" aria-hidden="true">
              <Icon name="sync" size={20} />
            </span>
            <h2 class="modal-title" id={`force-title-${r.name}`}>
              Accept the rewritten history?
            </h2>
            <button type="button" class="modal-close" aria-label="Close" x-on:click="closeForce">
              <Icon name="cross" size={18} />
            </button>
          </div>
          <div class="modal-body">
            <p class="modal-lead">
              Syncing with <code>--force</code> replaces this registry's listings with the new history. Installed agents are not changed, but later updates follow the new listings.
            </p>
          </div>
          <div class="modal-footer">
            <button type="button" class="button button-secondary" x-on:click="closeForce">
              Cancel
            </button>
            <button type="button" class="button button-danger" data-confirm="force-sync" x-on:click="forceSync">
              Sync with --force
            </button>
          </div>
        </dialog>
      ) : (
        ""
      )}
    </article>
  );
}

function AddRegistryForm({ csrf, form }: { csrf: string; form: RegistryForm }) {
  return (
    <section class="card add-registry">
      <h2 class="card-title">Add a registry</h2>
      <form method="post" action="/actions/registries" class="stack-form">
        <input type="hidden" name="_csrf" value={csrf} />
        <label class="field">
          <span class="field-label">Name</span>
          <input type="text" name="name" value={form.name ?? ""} required maxlength="64" pattern="[a-z0-9][a-z0-9_\-]{0,63}" placeholder="community" autocomplete="off" spellcheck="false" />
          <span class="field-hint">Lowercase letters, digits, - and _.</span>
        </label>
        <label class="field">
          <span class="field-label">Git URL</span>
          <input type="text" name="git_url" value={form.git_url ?? ""} required maxlength="4096" placeholder="https://github.com/org/agents-registry.git" autocomplete="off" spellcheck="false" />
          <span class="field-hint">https://, ssh://, git@host:path or file://</span>
        </label>
        <label class="field">
          <span class="field-label">Branch or tag</span>
          <input type="text" name="ref" value={form.ref ?? ""} maxlength="256" placeholder="main" autocomplete="off" spellcheck="false" />
        </label>
        <label class="field">
          <span class="field-label">Allowed signers (optional)</span>
          <textarea name="allowed_signers" rows="3" maxlength="65536" placeholder='maintainer@example.com namespaces="git" ssh-ed25519 AAAA…' spellcheck="false" safe>
            {form.allowed_signers ?? ""}
          </textarea>
          <span class="field-hint">An SSH allowed-signers file. When given, every sync requires the registry's head commit to be signed by one of these keys.</span>
        </label>
        <button type="submit" class="button button-primary" data-action="add-registry">
          <Icon name="plus" />
          <span>Add registry</span>
        </button>
        <p class="field-hint">Adding only records it; nothing is fetched until you sync.</p>
      </form>
    </section>
  );
}

export function RegistriesPage({ registries, csrf, notice, form }: RegistriesPageProps) {
  return (
    <Layout title="Registries" active="registries" csrf={csrf}>
      <PageHeader title="Registries" subtitle="Git repositories that list agents you can install. Syncing reads them as data: nothing from a registry runs.">
        <a class="button button-secondary" href="/agents?source=remote">
          Browse registry agents
        </a>
      </PageHeader>
      {notice ? <Notice tone={notice.tone} message={notice.message} /> : ""}
      <div class="registries-layout">
        <div class="registries-list">
          {registries.length === 0 ? (
            <EmptyState icon="registries" title="No registries yet">
              <p>Add a registry's git URL, then sync it: its agents appear under Agents, ready to install.</p>
            </EmptyState>
          ) : (
            registries.map((r) => <RegistryCard r={r} csrf={csrf} />)
          )}
        </div>
        <aside class="registries-side">
          <AddRegistryForm csrf={csrf} form={form ?? {}} />
        </aside>
      </div>
    </Layout>
  );
}
