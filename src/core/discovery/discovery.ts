/**
 * Local discovery: walk scan roots, validate manifests as data, and bring the
 * catalog's local listings in line in one transaction. Executes nothing found.
 */
import { createHash } from "node:crypto";
import { resolve, sep } from "node:path";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Catalog, LocalListingState } from "../catalog/catalog.ts";
import { listingValues } from "../catalog/listing.ts";
import type { Clock } from "../clock.ts";
import type { Limits } from "../config/schema.ts";
import { parseManifestBytes } from "../manifest/parse.ts";
import type { Actor } from "../../db/schema.ts";
import { type WalkProblem, walkRoot } from "./walk.ts";

export interface DiscoveryReport {
  roots: string[];
  dirsVisited: number;
  found: number;
  added: string[];
  updated: string[];
  unchanged: number;
  missing: string[];
  invalid: Array<{ path: string; problems: Array<{ path: string; message: string }> }>;
  duplicates: Array<{ id: string; paths: string[] }>;
  problems: WalkProblem[];
  durationMs: number;
}

export interface DiscoverOptions {
  /** Paths to scan instead of the configured roots. */
  paths?: string[];
  actor?: Actor;
  correlationId?: string;
  /**
   * A rescan nobody asked for (the daemon's watcher): audited only when it changed
   * something, so an idle machine does not write a row a minute (issue 17).
   */
  quietWhenUnchanged?: boolean;
}

const localKey = (dir: string) => `local:${dir}`;
const under = (p: string, root: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

export class Discovery {
  constructor(
    private readonly catalog: Catalog,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly limits: Limits,
    private readonly defaultRoots: () => string[],
    /** `$OPENSENTIENCE_HOME/agents`: its `<id>/src|next|prev` trees are installs, represented by their install row. */
    private readonly agentsDir?: string,
  ) {}

  /** True for the installer's own clones, which must not be listed again as local agents. */
  private isInstallTree(dir: string): boolean {
    if (!this.agentsDir || !under(dir, this.agentsDir)) return false;
    const rel = dir.slice(this.agentsDir.length + 1).split(sep);
    return rel.length === 2 && /^(src|next|prev)$/.test(rel[1]!);
  }

  run(opts: DiscoverOptions = {}): DiscoveryReport {
    const started = performance.now();
    const roots = [...new Set((opts.paths?.length ? opts.paths : this.defaultRoots()).map((p) => resolve(p)))];
    const known = new Map<string, LocalListingState>(this.catalog.localListings().map((l) => [l.key, l]));
    // Stored problems of invalid listings: re-reported on a rescan that skips reading the file.
    const knownErrors = new Map(
      this.catalog.sqlite
        .query<{ key: string; errors_json: string }, []>("SELECT key, errors_json FROM agents WHERE source = 'local' AND status = 'invalid'")
        .all()
        .map((r) => [r.key, r.errors_json]),
    );
    const report: DiscoveryReport = {
      roots,
      dirsVisited: 0,
      found: 0,
      added: [],
      updated: [],
      unchanged: 0,
      missing: [],
      invalid: [],
      duplicates: [],
      problems: [],
      durationMs: 0,
    };
    const walkLimits = {
      maxDepth: this.limits.max_scan_depth,
      maxEntries: this.limits.max_scan_entries,
      maxManifestBytes: this.limits.max_manifest_bytes,
      skipDir: (dir: string) => this.isInstallTree(dir),
    };
    const seen = new Set<string>();
    const completeRoots: string[] = [];
    const unscanned: string[] = [];
    const writes: Array<() => void> = [];

    for (const root of roots) {
      const w = walkRoot(root, walkLimits, (file, mtimeMs, size) => {
        const k = known.get(localKey(file.slice(0, file.lastIndexOf(sep))));
        return !!k && k.mtimeMs === mtimeMs && k.size === size && k.status !== "missing";
      });
      report.dirsVisited += w.dirsVisited;
      report.problems.push(...w.problems);
      if (w.rootOk || w.rootMissing) completeRoots.push(root);
      unscanned.push(...w.unscanned);
      for (const f of w.manifests) {
        const key = localKey(f.dir);
        if (seen.has(key)) continue;
        seen.add(key);
        report.found++;
        const prev = known.get(key);
        if (!f.bytes && !f.problem) {
          report.unchanged++;
          if (prev?.status === "invalid") report.invalid.push({ path: f.file, problems: storedProblems(knownErrors.get(key)) });
          continue;
        }
        const sha = f.bytes ? createHash("sha256").update(f.bytes).digest("hex") : null;
        const result = f.problem
          ? { ok: false as const, problems: [{ path: "(file)", message: f.problem }], id: null, raw: null }
          : parseManifestBytes(f.bytes!, this.limits.max_manifest_bytes);
        if (!result.ok) report.invalid.push({ path: f.file, problems: result.problems });
        if (
          !result.ok &&
          sha === null &&
          prev?.status === "invalid" &&
          prev.sha256 === null &&
          prev.mtimeMs === f.mtimeMs &&
          prev.size === f.size &&
          knownErrors.get(key) === JSON.stringify(result.problems)
        ) {
          // A file we refuse to read (over the size cap, unopenable) that has not changed: leave the row alone.
          report.unchanged++;
          continue;
        }
        const values = () =>
          listingValues(key, "local", result, "local_uninstalled", {
            path: f.dir,
            manifestPath: f.file,
            manifestSha256: sha,
            manifestMtimeMs: f.mtimeMs,
            manifestSize: f.size,
            duplicateOf: null,
          });
        if (prev && prev.sha256 === sha && sha !== null && prev.status !== "missing") {
          report.unchanged++;
          // Content identical, only mtime moved: refresh stat fields so the next scan takes the fast path.
          writes.push(() => this.catalog.upsertListing(values()));
          continue;
        }
        (prev ? report.updated : report.added).push(f.dir);
        writes.push(() => this.catalog.upsertListing(values()));
      }
    }

    for (const [key, l] of known) {
      if (seen.has(key) || l.status === "missing" || !l.path) continue;
      if (completeRoots.some((r) => under(l.path!, r)) && !unscanned.some((d) => under(l.path!, d))) {
        report.missing.push(l.path);
        writes.push(() => this.catalog.setStatus(key, "missing"));
      }
    }

    this.catalog.transaction(() => {
      for (const w of writes) w();
      report.duplicates = this.markDuplicates();
    });
    report.durationMs = Math.round(performance.now() - started);
    // Every added, updated or missing listing is a write; so is a stat refresh.
    if (opts.quietWhenUnchanged && writes.length === 0) return report;
    this.audit.record({
      actor: opts.actor ?? "system",
      action: "discovery.run",
      outcome: "ok",
      correlationId: opts.correlationId ?? null,
      details: {
        roots,
        found: report.found,
        added: report.added.length,
        updated: report.updated.length,
        unchanged: report.unchanged,
        missing: report.missing.length,
        invalid: report.invalid.length,
        duplicates: report.duplicates.map((d) => d.id),
        problems: report.problems.slice(0, 20),
        duration_ms: report.durationMs,
      },
    });
    return report;
  }

  /** Among present local listings sharing an id, the first by path is primary; the rest point to it. */
  private markDuplicates(): DiscoveryReport["duplicates"] {
    const rows = this.catalog.sqlite
      .query<{ key: string; agent_id: string; path: string; duplicate_of: string | null }, []>(
        `SELECT key, agent_id, path, duplicate_of FROM agents
         WHERE source = 'local' AND status != 'missing' AND agent_id IS NOT NULL ORDER BY agent_id, path`,
      )
      .all();
    const groups = new Map<string, typeof rows>();
    for (const r of rows) groups.set(r.agent_id, [...(groups.get(r.agent_id) ?? []), r]);
    const dups: DiscoveryReport["duplicates"] = [];
    for (const [id, g] of groups) {
      const primary = g[0]!;
      for (const r of g) {
        const want = r === primary ? null : primary.path;
        if (r.duplicate_of !== want) this.catalog.setDuplicateOf(r.key, want);
      }
      if (g.length > 1) dups.push({ id, paths: g.map((r) => r.path) });
    }
    return dups;
  }
}

function storedProblems(json: string | undefined): Array<{ path: string; message: string }> {
  try {
    const v = JSON.parse(json ?? "[]");
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}
