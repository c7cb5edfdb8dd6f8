/**
 * Git-backed registries: add, list, remove, sync. A sync fetches the registry
 * (hardened git, bare repository in `registries/<name>`), reads it as data and
 * replaces this registry's catalog listings in ONE transaction: a failed sync
 * changes no listing. A registry whose new commit does not descend from the
 * last synced one (force-push, history rewrite) is refused unless `force`.
 *
 * How much is read depends on what the last successful sync left behind (its
 * commit, and a marker file in the clone naming that commit and the settings
 * the listings were made with):
 * - remote head unchanged and the marker matches: nothing is read (no-op);
 * - head moved forward: only the files the two commits' trees differ in are
 *   read (one `git cat-file --batch`) and only their listings change;
 * - otherwise (first sync, `--force`, other settings, no/old marker, over 499
 *   stored entry errors): the whole commit is read, streaming.
 * Every mode ends in the same catalog state a full read would produce.
 *
 * A registry added with `requireSigned` is verified before anything is read:
 * the fetched head must carry an SSH signature by a key in the allowed-signers
 * copy made at add time (signers-store.ts), else the sync is refused and the
 * catalog keeps the last good snapshot. After the listings are written, yanked
 * entries quarantine the agents installed from them (yanks.ts).
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants as fsc, existsSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { type Actor, agents, registries } from "../../db/schema.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { type ListingValues, listingValues } from "../catalog/listing.ts";
import type { Clock } from "../clock.ts";
import type { DataPaths } from "../config/paths.ts";
import type { ConfigFile, Limits } from "../config/schema.ts";
import { AppError, toAppError } from "../errors.ts";
import { redactText } from "../redact.ts";
import type { EventBus } from "../events.ts";
import { assertGitUrl, assertRef, type Git, type Repo } from "../git/git.ts";
import { maskUrlCredentials } from "../git/git-url.ts";
import { assertNotSymlink, childDir, ensureRealDir, removePath } from "../installer/safe-paths.ts";
import { REGISTRY_NAME_RE } from "./entry-schema.ts";
import { localSourceProblem } from "./local-sources.ts";
import { VERSION } from "../../version.ts";
import { type Accepted, type EntryError, type ReadEntry, readRegistry, readRegistryChanges } from "./read-registry.ts";
import type { AgentHooks } from "../approvals/agent-hooks.ts";
import type { AllowedSigner } from "./allowed-signers.ts";
import { readAllowedSigners, readSignersFile, removeAllowedSigners, storeAllowedSigners } from "./signers-store.ts";
import { expandHome } from "../config/paths.ts";
import { reconcileYanks } from "./yanks.ts";

export interface RegistryInfo {
  name: string;
  gitUrl: string;
  ref: string;
  description: string;
  addedAt: string;
  lastSyncAt: string | null;
  lastSyncStatus: "ok" | "partial" | "failed" | null;
  lastCommit: string | null;
  lastError: string | null;
  entryErrors: EntryError[];
  /** Catalog listings currently supplied by this registry. */
  agentCount: number;
  /** Heads must carry an SSH signature by a key in `allowedSigners` (else the sync is refused). */
  requireSigned: boolean;
  /** The copy made at `registry add`; `problem` when it is missing, changed or unreadable (syncs are refused then). */
  allowedSigners: { path: string; sha256: string; signers: AllowedSigner[]; problem: string | null } | null;
  /** Outcome of the last signature check (signed registries only). */
  signature: { status: "verified" | "refused"; commit: string | null; detail: string | null; checkedAt: string | null } | null;
}

export interface SyncResult {
  name: string;
  commit: string;
  previousCommit: string | null;
  status: "ok" | "partial";
  /** Agent ids new in the catalog, changed, and gone from the registry. */
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: number;
  errors: EntryError[];
  historyRewritten: boolean;
  forced: boolean;
  durationMs: number;
  /** Signed registries: git's account of the head's good signature; null when signatures are not required. */
  signature: string | null;
  /** Installed agents this sync quarantined (entry yanked) and released (entry no longer yanked). */
  quarantined: string[];
  released: string[];
}

export interface ActorOptions {
  actor: Actor;
  correlationId?: string;
}

export interface RegistriesDeps {
  catalog: Catalog;
  audit: AuditLog;
  events: EventBus;
  clock: Clock;
  git: Git;
  paths: DataPaths;
  limits: Limits;
  /** Config `allow_local_sources` (default false): see local-sources.ts. */
  allowLocalSources?: boolean;
  /** Kill switch for agents whose entry is yanked (the runtime listens). */
  hooks?: AgentHooks;
}

/** Private ref pointing at the last synced commit, so its objects are kept. */
const SYNCED_REF = "refs/opensentience/synced";
/**
 * File in the registry's bare clone: `{commit, fingerprint}` of the last sync whose
 * listings are complete. Removed before a sync writes listings, written after it committed.
 */
const MARKER_FILE = "opensentience-sync.json";
/** Bump when entry validation or the listing built from an entry changes meaning. */
const READER_VERSION = 3;
/** Entry errors kept in the catalog; with this many, the list may be cut and the next sync reads everything. */
const STORED_ERRORS = 500;

export const registryKey = (name: string, id: string) => `registry:${name}:${id}`;

export function assertRegistryName(name: string): void {
  if (!REGISTRY_NAME_RE.test(name)) {
    throw new AppError("invalid_argument", `invalid registry name ${JSON.stringify(name.slice(0, 80))}: lowercase letters, digits, _ and -, at most 64, starting with a letter or digit`);
  }
}

export class Registries {
  private readonly syncing = new Set<string>();

  constructor(private readonly d: RegistriesDeps) {}

  list(): RegistryInfo[] {
    const counts = new Map(
      this.d.catalog.sqlite
        .query<{ r: string; n: number }, []>("SELECT registry_name AS r, count(*) AS n FROM agents WHERE source = 'remote' GROUP BY registry_name")
        .all()
        .map((x) => [x.r, x.n]),
    );
    return this.d.catalog.db
      .select()
      .from(registries)
      .orderBy(registries.name)
      .all()
      .map((r) => toInfo(r, counts.get(r.name) ?? 0));
  }

  /** One registry, for display (credentials in its URL are masked). */
  get(name: string): RegistryInfo {
    const n = this.d.catalog.sqlite.query<{ n: number }, [string]>("SELECT count(*) AS n FROM agents WHERE registry_name = ?").get(name)?.n ?? 0;
    return toInfo(this.row(name), n);
  }

  /** The stored row, with the real URL (for fetching only; never shown). */
  private row(name: string): typeof registries.$inferSelect {
    const r = this.d.catalog.db.select().from(registries).where(eq(registries.name, name)).get();
    if (!r) throw new AppError("not_found", `no registry named '${name}' (see: opensentience registry list)`);
    return r;
  }

  /**
   * Adds a registry (no network access; run `sync` next). `requireSigned` needs
   * `allowedSigners` (the text of an SSH allowed-signers file): it is checked
   * and copied into the data directory now, and every sync verifies against that copy.
   */
  add(input: { name: string; gitUrl: string; ref?: string; requireSigned?: boolean; allowedSigners?: string }, opts: ActorOptions): RegistryInfo {
    const ref = input.ref ?? "main";
    const requireSigned = input.requireSigned === true;
    let stored: ReturnType<typeof storeAllowedSigners> | null = null;
    try {
      assertRegistryName(input.name);
      assertGitUrl(input.gitUrl);
      assertRef(ref);
      if (requireSigned !== (input.allowedSigners !== undefined)) {
        throw new AppError("invalid_argument", requireSigned ? "--require-signed needs --allowed-signers FILE (the SSH keys allowed to sign the registry)" : "--allowed-signers is only used with --require-signed");
      }
      this.d.catalog.transaction(() => {
        const exists = this.d.catalog.db.select({ n: registries.name }).from(registries).where(eq(registries.name, input.name)).get();
        if (exists) throw new AppError("conflict", `registry '${input.name}' already exists (remove it first to change its URL)`);
        if (input.allowedSigners !== undefined) stored = storeAllowedSigners(this.d.paths, input.name, input.allowedSigners);
        this.d.catalog.db
          .insert(registries)
          .values({ name: input.name, gitUrl: input.gitUrl, ref, addedAt: this.d.clock.iso(), requireSigned, allowedSignersPath: stored?.path ?? null, allowedSignersSha256: stored?.sha256 ?? null })
          .run();
      });
    } catch (e) {
      // A refused URL may carry the credentials it was refused for: never into the audit log.
      this.d.audit.record({ actor: opts.actor, action: "registry.add", outcome: "error", correlationId: opts.correlationId, details: { name: input.name, git_url: maskUrlCredentials(input.gitUrl), ref, require_signed: requireSigned, error: (e as Error).message } });
      throw e;
    }
    const signers = (stored as ReturnType<typeof storeAllowedSigners> | null)?.signers.map((k) => `${k.principals} ${k.keyType} ${k.fingerprint}`);
    this.d.audit.record({ actor: opts.actor, action: "registry.add", outcome: "ok", correlationId: opts.correlationId, details: { name: input.name, git_url: input.gitUrl, ref, require_signed: requireSigned, ...(signers ? { allowed_signers: signers } : {}) } });
    return this.get(input.name);
  }

  /** Removes a registry, its listings and its local clone. Installed agents stay installed. */
  remove(name: string, opts: ActorOptions): { name: string; removedListings: number } {
    const info = this.get(name);
    if (this.syncing.has(name)) throw new AppError("conflict", `registry '${name}' is being synced`);
    this.d.catalog.transaction(() => {
      this.d.catalog.db.delete(agents).where(and(eq(agents.source, "remote"), eq(agents.registryName, name))).run();
      this.d.catalog.db.delete(registries).where(eq(registries.name, name)).run();
    });
    const dir = childDir(this.d.paths.registriesDir, name);
    assertNotSymlink(this.d.paths.registriesDir, this.d.paths.registriesDir, true);
    removePath(dir);
    removeAllowedSigners(this.d.paths, name);
    this.d.audit.record({ actor: opts.actor, action: "registry.remove", outcome: "ok", correlationId: opts.correlationId, details: { name, git_url: info.gitUrl, removed_listings: info.agentCount } });
    this.d.events.emit({ type: "catalog.changed", reason: `registry ${name} removed` });
    return { name, removedListings: info.agentCount };
  }

  /**
   * Adds registries from config.json that are not in the catalog yet (the daemon
   * calls this at start). Invalid entries are skipped and returned as problems.
   */
  ensureConfigured(configured: ConfigFile["registries"], opts: ActorOptions = { actor: "system" }): { added: string[]; problems: Array<{ name: string; message: string }> } {
    const added: string[] = [];
    const problems: Array<{ name: string; message: string }> = [];
    for (const r of configured) {
      const stored = this.d.catalog.db.select({ signed: registries.requireSigned }).from(registries).where(eq(registries.name, r.name)).get();
      if (stored) {
        // Never silently weaker than the config says: a stored unsigned registry is reported, not changed.
        if (r.require_signed && !stored.signed) problems.push({ name: r.name, message: "config.json requires signed heads but the registry was added without; remove it (registry remove) to re-add it signed" });
        continue;
      }
      try {
        const allowedSigners = r.allowed_signers_file === undefined ? undefined : readSignersFile(expandHome(r.allowed_signers_file));
        this.add({ name: r.name, gitUrl: r.git_url, ref: r.ref, requireSigned: r.require_signed, allowedSigners }, opts);
        added.push(r.name);
      } catch (e) {
        problems.push({ name: r.name, message: (e as Error).message });
      }
    }
    return { added, problems };
  }

  /** Syncs every registry; one failing does not stop the others. */
  async syncAll(opts: ActorOptions & { force?: boolean }): Promise<Array<{ name: string; result?: SyncResult; error?: { code: string; message: string } }>> {
    const out: Array<{ name: string; result?: SyncResult; error?: { code: string; message: string } }> = [];
    for (const r of this.list()) {
      try {
        out.push({ name: r.name, result: await this.sync(r.name, opts) });
      } catch (e) {
        const err = toAppError(e);
        out.push({ name: r.name, error: { code: err.code, message: err.message } });
      }
    }
    return out;
  }

  async sync(name: string, opts: ActorOptions & { force?: boolean }): Promise<SyncResult> {
    const reg = this.row(name);
    const shownUrl = redactText(reg.gitUrl);
    if (this.syncing.has(name)) throw new AppError("conflict", `registry '${name}' is already being synced`);
    this.syncing.add(name);
    const started = performance.now();
    const topic = `registry:${name}`;
    const progress = (step: string, message: string, done?: { ok: boolean }) =>
      this.d.events.emit({ type: "progress", topic, step, message, ...(done ? { done: true, ok: done.ok } : {}) });
    let historyRewritten = false;
    let signatureRefused = false;
    try {
      progress("fetch", `fetching ${shownUrl} ${reg.ref}`);
      const repo = await this.fetchRegistry(reg);
      const commit = repo.commit;
      const prev = reg.lastCommit;
      let signature: string | null = null;
      if (reg.requireSigned) {
        progress("verify", `verifying the signature of ${commit.slice(0, 12)}`);
        const v = await this.verifyHead(reg, repo.repo, commit);
        if (!v.ok) {
          signatureRefused = true;
          this.d.audit.record({ actor: opts.actor, action: "registry.signature", outcome: "denied", correlationId: opts.correlationId, details: { name, git_url: reg.gitUrl, ref: reg.ref, commit, kept_commit: prev, reason: v.detail } });
          throw new AppError("forbidden", `registry '${name}': head ${commit.slice(0, 12)} refused: ${v.detail}; the catalog keeps ${prev ? `the last good snapshot ${prev.slice(0, 12)}` : "no listings from it"}`);
        }
        signature = v.detail;
      }
      if (prev && prev !== commit && !(await this.d.git.isAncestor(repo.repo, prev, commit))) {
        historyRewritten = true;
        const details = { name, git_url: reg.gitUrl, ref: reg.ref, previous_commit: prev, new_commit: commit, forced: !!opts.force };
        this.d.audit.record({ actor: opts.actor, action: "registry.history_rewritten", outcome: opts.force ? "ok" : "denied", correlationId: opts.correlationId, details });
        if (!opts.force) {
          throw new AppError(
            "conflict",
            `registry '${name}' history was rewritten: ${commit.slice(0, 12)} does not descend from the last synced ${prev.slice(0, 12)}; refusing (re-run with --force if you trust the new history)`,
          );
        }
      }
      const fingerprint = this.fingerprint();
      const storedErrors = parseEntryErrors(reg.entryErrorsJson);
      const marker = prev ? readMarker(repo.repo.dir) : null;
      const trusted = !!prev && !opts.force && marker?.commit === prev && marker.fingerprint === fingerprint && storedErrors.length < STORED_ERRORS;
      const options = {
        maxBytes: this.d.limits.max_manifest_bytes,
        maxEntries: this.d.limits.max_registry_entries,
        // Entries pointing at this machine from a registry that is not: reported like any bad entry.
        accept: (e: ReadEntry): ListingValues | { problem: string } => {
          const refused = localSourceProblem({ registry: name, registryUrl: reg.gitUrl, agentUrl: e.entry.git_url, allowLocalSources: this.d.allowLocalSources ?? false });
          return refused ? { problem: refused } : entryListing(name, registryKey(name, e.entry.id), e);
        },
      };
      let result: SyncResult;
      let mode: "unchanged" | "changes" | "full";
      if (trusted && prev === commit) {
        mode = "unchanged";
        progress("read", `registry unchanged at ${commit.slice(0, 12)}`);
        result = this.applyUnchanged(reg, storedErrors, commit);
      } else {
        let changes: Awaited<ReturnType<typeof readRegistryChanges<ListingValues>>> = null;
        if (trusted && prev) {
          progress("read", `reading changes ${prev.slice(0, 12)}..${commit.slice(0, 12)}`);
          try {
            changes = await readRegistryChanges(this.d.git, repo.repo, prev, commit, options);
          } catch (e) {
            // The old commit's objects may be gone: read everything instead. A bad registry.json stays an error.
            if (!(e instanceof AppError && e.code === "git_failed")) throw e;
            changes = null;
          }
        }
        removeMarker(repo.repo.dir);
        if (changes) {
          mode = "changes";
          result = this.applyChanges(reg, changes, storedErrors, prev);
        } else {
          mode = "full";
          progress("read", `reading registry at ${commit.slice(0, 12)}`);
          const snap = await readRegistry(this.d.git, repo.repo, commit, options);
          result = this.apply(reg, { entries: snap.entries, errors: snap.errors, description: snap.meta.description, commit, prev, scope: "all" });
        }
        await this.d.git.updateRef(repo.repo, SYNCED_REF, commit);
        writeMarker(repo.repo.dir, { commit, fingerprint });
      }
      result.historyRewritten = historyRewritten;
      result.forced = historyRewritten && !!opts.force;
      result.signature = signature;
      const yanks = await reconcileYanks(this.d, name, opts);
      result.quarantined = yanks.quarantined;
      result.released = yanks.released;
      result.durationMs = Math.round(performance.now() - started);
      this.d.audit.record({
        actor: opts.actor,
        action: "registry.sync",
        outcome: "ok",
        correlationId: opts.correlationId,
        details: {
          name,
          git_url: reg.gitUrl,
          ref: reg.ref,
          commit,
          previous_commit: prev,
          status: result.status,
          read: mode,
          added: result.added,
          updated: result.updated,
          removed: result.removed,
          entry_errors: result.errors.slice(0, 50),
          forced: result.forced,
          duration_ms: result.durationMs,
          ...(signature ? { signature } : {}),
          ...(yanks.quarantined.length ? { quarantined: yanks.quarantined } : {}),
          ...(yanks.released.length ? { released: yanks.released } : {}),
        },
      });
      this.d.events.emit({ type: "catalog.changed", reason: `registry ${name} synced` });
      progress("done", `${result.added.length} new, ${result.updated.length} updated, ${result.removed.length} removed, ${result.errors.length} bad`, { ok: true });
      return result;
    } catch (e) {
      const err = toAppError(e, `syncing registry ${name}`);
      this.d.catalog.db
        .update(registries)
        .set({ lastSyncAt: this.d.clock.iso(), lastSyncStatus: "failed", lastError: err.message.slice(0, 2000) })
        .where(eq(registries.name, name))
        .run();
      this.d.audit.record({
        actor: opts.actor,
        action: "registry.sync",
        outcome: (historyRewritten && !opts.force) || signatureRefused ? "denied" : "error",
        correlationId: opts.correlationId,
        details: { name, git_url: reg.gitUrl, ref: reg.ref, code: err.code, error: err.message, duration_ms: Math.round(performance.now() - started) },
      });
      progress("done", err.message, { ok: false });
      throw err;
    } finally {
      this.syncing.delete(name);
    }
  }

  /**
   * Checks the fetched head against the registry's allowed-signers copy and
   * records the outcome (shown by `registry list` and the Registries page).
   * A head already verified with the same copy is not checked again.
   */
  private async verifyHead(reg: typeof registries.$inferSelect, repo: Repo, commit: string): Promise<{ ok: boolean; detail: string }> {
    let v: { ok: boolean; detail: string };
    const copy = reg.allowedSignersPath ? readAllowedSigners(reg.allowedSignersPath, reg.allowedSignersSha256) : { problem: "no allowed-signers copy is recorded for this registry" };
    if ("problem" in copy) v = { ok: false, detail: copy.problem };
    else if (reg.signatureStatus === "verified" && reg.signatureCommit === commit && reg.signatureDetail) return { ok: true, detail: reg.signatureDetail };
    else v = await this.d.git.verifyCommitSsh(repo, commit, reg.allowedSignersPath!);
    this.d.catalog.db
      .update(registries)
      .set({ signatureStatus: v.ok ? "verified" : "refused", signatureCommit: commit, signatureDetail: v.detail.slice(0, 1000), signatureCheckedAt: this.d.clock.iso() })
      .where(eq(registries.name, reg.name))
      .run();
    return v;
  }

  /** What the listings of a sync depend on besides the registry's files. */
  private fingerprint(): string {
    return JSON.stringify({
      reader: READER_VERSION,
      version: VERSION,
      max_manifest_bytes: this.d.limits.max_manifest_bytes,
      max_registry_entries: this.d.limits.max_registry_entries,
      allow_local_sources: this.d.allowLocalSources ?? false,
    });
  }

  private countListings(name: string): number {
    return this.d.catalog.sqlite.query<{ n: number }, [string]>("SELECT count(*) AS n FROM agents WHERE source = 'remote' AND registry_name = ?").get(name)?.n ?? 0;
  }

  /** Same commit as last time, same settings: only the sync status changes. */
  private applyUnchanged(reg: typeof registries.$inferSelect, errors: EntryError[], commit: string): SyncResult {
    const status = errors.length ? "partial" : "ok";
    let unchanged = 0;
    this.d.catalog.transaction(() => {
      unchanged = this.countListings(reg.name);
      this.d.catalog.db.update(registries).set({ lastSyncAt: this.d.clock.iso(), lastSyncStatus: status, lastError: null }).where(eq(registries.name, reg.name)).run();
    });
    return { name: reg.name, commit, previousCommit: commit, status, added: [], updated: [], removed: [], unchanged, errors, historyRewritten: false, forced: false, durationMs: 0, signature: null, quarantined: [], released: [] };
  }

  /** Applies the files that changed since `prev`: their old listings and errors are replaced, the rest stays. */
  private applyChanges(
    reg: typeof registries.$inferSelect,
    changes: NonNullable<Awaited<ReturnType<typeof readRegistryChanges<ListingValues>>>>,
    storedErrors: EntryError[],
    prev: string | null,
  ): SyncResult {
    const touched = new Set(changes.touched);
    const errors = [...storedErrors.filter((e) => !touched.has(e.file)), ...changes.errors].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    // Every agents/*.json file gave exactly one listing or one error: count the new commit's files the same way.
    const before = this.countListings(reg.name) + storedErrors.length;
    const after = before + changes.countDelta;
    if (after > this.d.limits.max_registry_entries) {
      throw new AppError("invalid_argument", `registry has ${after} entries, over the limit of ${this.d.limits.max_registry_entries} (limits.max_registry_entries)`);
    }
    const scope = new Set<string>();
    for (const file of changes.touched) scope.add(registryKey(reg.name, file.slice("agents/".length, -".json".length)));
    return this.apply(reg, { entries: changes.entries, errors, description: changes.meta?.description ?? reg.description, commit: changes.commit, prev, scope });
  }

  /** First sync: clone into a temp dir and rename into place; later: fetch in place. */
  private async fetchRegistry(reg: typeof registries.$inferSelect): Promise<{ repo: Repo; commit: string }> {
    ensureRealDir(this.d.paths.registriesDir);
    const dir = childDir(this.d.paths.registriesDir, reg.name);
    assertNotSymlink(dir, `registries/${reg.name}`, true);
    const repo: Repo = { dir, bare: true };
    if (existsSync(dir)) return { repo, commit: await this.d.git.fetch(repo, reg.gitUrl, reg.ref) };
    const tmp: Repo = { dir: join(this.d.paths.registriesDir, `.${reg.name}.tmp-${randomBytes(6).toString("hex")}`), bare: true };
    const commit = await this.d.git.cloneInto(tmp, reg.gitUrl, reg.ref);
    try {
      renameSync(tmp.dir, dir);
    } catch (e) {
      removePath(tmp.dir);
      throw new AppError("io", `cannot move registry clone into ${dir}: ${(e as Error).message}`, { cause: e });
    }
    return { repo, commit };
  }

  /** Upsert SQL per set of defined columns (built from the drizzle table, run as a cached statement). */
  private readonly upsertSql = new Map<string, string | null>();

  /**
   * What `catalog.upsertListing` does (same columns, `first_seen_at` kept on
   * update), through one prepared statement instead of building and preparing
   * a drizzle query per row: ~5× faster for thousands of entries.
   */
  private upsert(values: ListingValues, now: string): void {
    const v = values as Record<string, unknown>;
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    const sig = keys.join(",");
    let sql = this.upsertSql.get(sig);
    if (sql === undefined) {
      const table = agents as unknown as Record<string, { name?: unknown } | undefined>;
      const cols = keys.map((k) => table[k]?.name);
      const ok = cols.every((c) => typeof c === "string" && /^[a-z0-9_]+$/.test(c) && c !== "first_seen_at" && c !== "updated_at" && c !== "pk");
      sql = ok
        ? `INSERT INTO agents (${cols.join(", ")}, first_seen_at, updated_at) VALUES (${cols.map(() => "?").join(", ")}, ?, ?) ` +
          `ON CONFLICT(key) DO UPDATE SET ${[...cols, "updated_at"].map((c) => `${c} = excluded.${c}`).join(", ")}`
        : null;
      this.upsertSql.set(sig, sql);
    }
    if (sql === null) {
      this.d.catalog.upsertListing(values);
      return;
    }
    const params = keys.map((k) => {
      const x = v[k];
      return typeof x === "boolean" ? (x ? 1 : 0) : (x as string | number | null);
    });
    this.d.catalog.sqlite.query(sql).run(...params, now, now);
  }

  /**
   * Writes listings and sync status in one transaction. `scope` "all": the
   * entries are the whole registry (listings not among them are removed);
   * a set of listing keys: only those keys may change (the rest is unchanged).
   */
  private apply(
    reg: typeof registries.$inferSelect,
    p: { entries: Array<Accepted<ListingValues>>; errors: EntryError[]; description: string; commit: string; prev: string | null; scope: "all" | Set<string> },
  ): SyncResult {
    const name = reg.name;
    const { errors, commit, prev } = p;
    const result: SyncResult = {
      name,
      commit,
      previousCommit: prev,
      status: errors.length ? "partial" : "ok",
      added: [],
      updated: [],
      removed: [],
      unchanged: 0,
      errors,
      historyRewritten: false,
      forced: false,
      durationMs: 0,
      signature: null,
      quarantined: [],
      released: [],
    };
    this.d.catalog.transaction(() => {
      const columns = { key: agents.key, agentId: agents.agentId, manifestJson: agents.manifestJson, gitUrl: agents.gitUrl, ref: agents.ref, pinned: agents.pinnedCommit, verification: agents.verification, trust: agents.trustScore, deprecated: agents.deprecated, publisher: agents.publisherJson, replacement: agents.replacementId, yanked: agents.yankedReason };
      const mine = and(eq(agents.source, "remote"), eq(agents.registryName, name));
      let existing: Map<string, { key: string; agentId: string | null; manifestJson: string | null; gitUrl: string | null; ref: string | null; pinned: string | null; verification: string | null; trust: number | null; deprecated: boolean | null; publisher: string | null; replacement: string | null; yanked: string | null }>;
      if (p.scope === "all") {
        existing = new Map(this.d.catalog.db.select(columns).from(agents).where(mine).all().map((r) => [r.key, r]));
      } else {
        existing = new Map();
        for (const key of p.scope) {
          const r = this.d.catalog.db.select(columns).from(agents).where(and(mine, eq(agents.key, key))).get();
          if (r) existing.set(key, r);
        }
        result.unchanged = this.countListings(name) - existing.size;
      }
      const keep = new Set<string>();
      const now = this.d.clock.iso();
      for (const { value: values } of p.entries) {
        const key = values.key;
        const id = values.agentId ?? key;
        keep.add(key);
        const old = existing.get(key);
        if (!old) result.added.push(id);
        else if (
          old.manifestJson !== values.manifestJson ||
          old.gitUrl !== values.gitUrl ||
          old.ref !== values.ref ||
          old.pinned !== values.pinnedCommit ||
          old.verification !== values.verification ||
          old.trust !== values.trustScore ||
          old.deprecated !== values.deprecated ||
          old.publisher !== values.publisherJson ||
          old.replacement !== (values.replacementId ?? null) ||
          old.yanked !== (values.yankedReason ?? null)
        )
          result.updated.push(id);
        else result.unchanged++;
        this.upsert(values, now);
      }
      for (const [key, old] of existing) {
        if (keep.has(key)) continue;
        this.d.catalog.deleteListing(key);
        result.removed.push(old.agentId ?? key);
      }
      this.d.catalog.db
        .update(registries)
        .set({
          description: p.description,
          lastSyncAt: this.d.clock.iso(),
          lastSyncStatus: result.status,
          lastCommit: commit,
          lastError: null,
          entryErrorsJson: JSON.stringify(errors.slice(0, STORED_ERRORS)),
        })
        .where(eq(registries.name, name))
        .run();
    });
    return result;
  }
}

function parseEntryErrors(json: string): EntryError[] {
  try {
    const v = JSON.parse(json);
    return Array.isArray(v) ? (v as EntryError[]) : [];
  } catch {
    return [];
  }
}

/** The marker, or null when absent or unreadable (a symlink is never followed). */
function readMarker(dir: string): { commit: string; fingerprint: string } | null {
  let fd: number | undefined;
  try {
    fd = openSync(join(dir, MARKER_FILE), fsc.O_RDONLY | fsc.O_NOFOLLOW);
    const v = JSON.parse(readFileSync(fd, "utf8")) as unknown;
    if (v && typeof v === "object" && typeof (v as { commit?: unknown }).commit === "string" && typeof (v as { fingerprint?: unknown }).fingerprint === "string") {
      return v as { commit: string; fingerprint: string };
    }
    return null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function removeMarker(dir: string): void {
  try {
    unlinkSync(join(dir, MARKER_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new AppError("io", `cannot remove ${MARKER_FILE} in ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

/** Best effort: without the marker the next sync reads everything, which is always correct. */
function writeMarker(dir: string, m: { commit: string; fingerprint: string }): void {
  try {
    const fd = openSync(join(dir, MARKER_FILE), fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | fsc.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, JSON.stringify(m));
    } finally {
      closeSync(fd);
    }
  } catch {
    // Next sync: full read.
  }
}

/** Catalog row for one registry entry: manifest copy for display, trust data from the registry only. */
function entryListing(registry: string, key: string, e: ReadEntry) {
  const m = e.manifest;
  const keywords = [...new Set([...m.keywords, ...e.entry.keywords])];
  const integrations = [...new Set([...m.integration_points, ...e.entry.integration_points])];
  return listingValues(key, "remote", { ok: true, manifest: m, extra: e.extra, ignored: [] }, "available", {
    registryName: registry,
    keywords: keywords.join(" "),
    integrationPointsJson: JSON.stringify(integrations),
    gitUrl: e.entry.git_url,
    ref: e.entry.default_ref,
    pinnedCommit: e.entry.commit ?? null,
    manifestPath: e.entry.manifest_path,
    verification: e.entry.verification?.level ?? null,
    trustScore: e.entry.trust_score ?? null,
    deprecated: e.entry.deprecated,
    replacementId: e.entry.replacement_id ?? null,
    yankedReason: e.entry.yanked?.reason ?? null,
    publisherJson: e.entry.publisher ? JSON.stringify(e.entry.publisher) : null,
    path: null,
    duplicateOf: null,
  });
}

function toInfo(r: typeof registries.$inferSelect, agentCount: number): RegistryInfo {
  let entryErrors: EntryError[] = [];
  try {
    const v = JSON.parse(r.entryErrorsJson);
    if (Array.isArray(v)) entryErrors = v as EntryError[];
  } catch {
    entryErrors = [];
  }
  return {
    name: r.name,
    gitUrl: redactText(r.gitUrl),
    ref: r.ref,
    description: r.description,
    addedAt: r.addedAt,
    lastSyncAt: r.lastSyncAt,
    lastSyncStatus: r.lastSyncStatus,
    lastCommit: r.lastCommit,
    lastError: r.lastError,
    entryErrors,
    agentCount,
    requireSigned: r.requireSigned,
    allowedSigners: r.allowedSignersPath
      ? (() => {
          const copy = readAllowedSigners(r.allowedSignersPath, r.allowedSignersSha256);
          return { path: r.allowedSignersPath, sha256: r.allowedSignersSha256 ?? "", signers: "signers" in copy ? copy.signers : [], problem: "problem" in copy ? copy.problem : null };
        })()
      : null,
    signature: r.signatureStatus ? { status: r.signatureStatus, commit: r.signatureCommit, detail: r.signatureDetail, checkedAt: r.signatureCheckedAt } : null,
  };
}
