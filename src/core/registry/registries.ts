/**
 * Git-backed registries: add, list, remove, sync. A sync fetches the registry
 * (hardened git, bare repository in `registries/<name>`), reads it as data and
 * replaces this registry's catalog listings in ONE transaction: a failed sync
 * changes no listing. A registry whose new commit does not descend from the
 * last synced one (force-push, history rewrite) is refused unless `force`.
 */
import { randomBytes } from "node:crypto";
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { type Actor, agents, registries } from "../../db/schema.ts";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { listingValues } from "../catalog/listing.ts";
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
import { type EntryError, type ReadEntry, readRegistry } from "./read-registry.ts";

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
}

/** Private ref pointing at the last synced commit, so its objects are kept. */
const SYNCED_REF = "refs/opensentience/synced";

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

  /** Adds a registry (no network access; run `sync` next). */
  add(input: { name: string; gitUrl: string; ref?: string }, opts: ActorOptions): RegistryInfo {
    const ref = input.ref ?? "main";
    try {
      assertRegistryName(input.name);
      assertGitUrl(input.gitUrl);
      assertRef(ref);
      this.d.catalog.transaction(() => {
        const exists = this.d.catalog.db.select({ n: registries.name }).from(registries).where(eq(registries.name, input.name)).get();
        if (exists) throw new AppError("conflict", `registry '${input.name}' already exists (remove it first to change its URL)`);
        this.d.catalog.db.insert(registries).values({ name: input.name, gitUrl: input.gitUrl, ref, addedAt: this.d.clock.iso() }).run();
      });
    } catch (e) {
      // A refused URL may carry the credentials it was refused for: never into the audit log.
      this.d.audit.record({ actor: opts.actor, action: "registry.add", outcome: "error", correlationId: opts.correlationId, details: { name: input.name, git_url: maskUrlCredentials(input.gitUrl), ref, error: (e as Error).message } });
      throw e;
    }
    this.d.audit.record({ actor: opts.actor, action: "registry.add", outcome: "ok", correlationId: opts.correlationId, details: { name: input.name, git_url: input.gitUrl, ref } });
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
      if (this.d.catalog.db.select({ n: registries.name }).from(registries).where(eq(registries.name, r.name)).get()) continue;
      try {
        this.add({ name: r.name, gitUrl: r.git_url, ref: r.ref }, opts);
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
    try {
      progress("fetch", `fetching ${shownUrl} ${reg.ref}`);
      const repo = await this.fetchRegistry(reg);
      const commit = repo.commit;
      const prev = reg.lastCommit;
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
      progress("read", `reading registry at ${commit.slice(0, 12)}`);
      const snap = await readRegistry(this.d.git, repo.repo, commit, this.d.limits.max_manifest_bytes);
      // Entries pointing at this machine from a registry that is not: reported like any bad entry.
      const entries: ReadEntry[] = [];
      const errors = [...snap.errors];
      for (const e of snap.entries) {
        const refused = localSourceProblem({ registry: name, registryUrl: reg.gitUrl, agentUrl: e.entry.git_url, allowLocalSources: this.d.allowLocalSources ?? false });
        if (refused) errors.push({ file: e.file, message: refused });
        else entries.push(e);
      }
      const result = this.apply(reg, entries, errors, snap.meta.description, commit, prev);
      await this.d.git.updateRef(repo.repo, SYNCED_REF, commit);
      result.historyRewritten = historyRewritten;
      result.forced = historyRewritten && !!opts.force;
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
          added: result.added,
          updated: result.updated,
          removed: result.removed,
          entry_errors: result.errors.slice(0, 50),
          forced: result.forced,
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
        outcome: historyRewritten && !opts.force ? "denied" : "error",
        correlationId: opts.correlationId,
        details: { name, git_url: reg.gitUrl, ref: reg.ref, code: err.code, error: err.message },
      });
      progress("done", err.message, { ok: false });
      throw err;
    } finally {
      this.syncing.delete(name);
    }
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

  /** Replaces this registry's listings and sync status in one transaction. */
  private apply(reg: typeof registries.$inferSelect, entries: ReadEntry[], errors: EntryError[], description: string, commit: string, prev: string | null): SyncResult {
    const name = reg.name;
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
    };
    this.d.catalog.transaction(() => {
      const existing = new Map(
        this.d.catalog.db
          .select({ key: agents.key, agentId: agents.agentId, manifestJson: agents.manifestJson, gitUrl: agents.gitUrl, ref: agents.ref, pinned: agents.pinnedCommit, verification: agents.verification, trust: agents.trustScore, deprecated: agents.deprecated, publisher: agents.publisherJson })
          .from(agents)
          .where(and(eq(agents.source, "remote"), eq(agents.registryName, name)))
          .all()
          .map((r) => [r.key, r]),
      );
      const keep = new Set<string>();
      for (const e of entries) {
        const key = registryKey(name, e.entry.id);
        keep.add(key);
        const values = entryListing(name, key, e);
        const old = existing.get(key);
        if (!old) result.added.push(e.entry.id);
        else if (
          old.manifestJson !== values.manifestJson ||
          old.gitUrl !== values.gitUrl ||
          old.ref !== values.ref ||
          old.pinned !== values.pinnedCommit ||
          old.verification !== values.verification ||
          old.trust !== values.trustScore ||
          old.deprecated !== values.deprecated ||
          old.publisher !== values.publisherJson
        )
          result.updated.push(e.entry.id);
        else result.unchanged++;
        this.d.catalog.upsertListing(values);
      }
      for (const [key, old] of existing) {
        if (keep.has(key)) continue;
        this.d.catalog.deleteListing(key);
        result.removed.push(old.agentId ?? key);
      }
      this.d.catalog.db
        .update(registries)
        .set({
          description,
          lastSyncAt: this.d.clock.iso(),
          lastSyncStatus: result.status,
          lastCommit: commit,
          lastError: null,
          entryErrorsJson: JSON.stringify(errors.slice(0, 500)),
        })
        .where(eq(registries.name, name))
        .run();
    });
    return result;
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
  };
}
