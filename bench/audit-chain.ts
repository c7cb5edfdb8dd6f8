/**
 * Costs of the tamper-evident audit log (issue 15.5/15.6) on a real catalog:
 *   - batched writes (recordSoon + flush, hash chained) in rows/s, vs the same
 *     rows inserted with the pre-chain statement (no hash, one transaction per batch);
 *   - `audit verify` over the whole chain, and the daemon's start check (newest 10k rows);
 *   - migration 0007's backfill of an older catalog holding N rows;
 *   - retention pruning of 10% of the log in batches of 1000.
 * Usage: bun bench/audit-chain.ts [ROWS=223000] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog } from "../src/core/audit/audit-log.ts";
import { START_CHECK_ROWS } from "../src/core/audit/start-check.ts";
import { systemClock } from "../src/core/clock.ts";
import { MIGRATIONS } from "../src/db/migrations.ts";
import { openDb } from "../src/db/open.ts";

const rows = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 223_000);
const dir = mkdtempSync(join(tmpdir(), "os-bench-audit-"));
const out: Record<string, number> = { rows };
const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;
const details = (i: number) => ({ tool: "com.example.echo/echo", caller: { kind: "api" }, duration_ms: 0.42, arguments: { text: "string" }, i });

try {
  // Legacy (pre-0007) catalog: plain inserts, batched like recordSoon did.
  const legacyPath = join(dir, "legacy.db");
  const legacy = openDb(legacyPath, MIGRATIONS.filter((m) => m.version < 7));
  const ins = legacy.sqlite.query("INSERT INTO audit_events (at, actor, action, agent_id, outcome, request_id, correlation_id, details_json) VALUES (?, 'api', 'tool.call', 'com.example.echo', 'ok', ?, NULL, ?)");
  let t0 = performance.now();
  for (let b = 0; b < rows; b += 100) {
    legacy.sqlite.transaction(() => {
      for (let i = b; i < Math.min(b + 100, rows); i++) ins.run(new Date().toISOString(), crypto.randomUUID(), JSON.stringify(details(i)));
    })();
  }
  out.unchained_insert_rows_per_s = Math.round(rows / ((performance.now() - t0) / 1000));
  legacy.close();

  t0 = performance.now();
  const migrated = openDb(legacyPath);
  out.migration_0007_backfill_ms = ms(t0);
  migrated.close();

  const path = join(dir, "chained.db");
  const store = openDb(path);
  const audit = new AuditLog(store.sqlite, store.db, systemClock);
  t0 = performance.now();
  for (let b = 0; b < rows; b += 100) {
    for (let i = b; i < Math.min(b + 100, rows); i++) audit.recordSoon({ actor: "api", action: "tool.call", agentId: "com.example.echo", outcome: "ok", requestId: crypto.randomUUID(), details: details(i) });
    audit.flush();
  }
  out.chained_recordSoon_rows_per_s = Math.round(rows / ((performance.now() - t0) / 1000));

  t0 = performance.now();
  const full = audit.verify();
  out.verify_full_ms = ms(t0);
  if (!full.ok) throw new Error(`chain broken: ${full.problem?.message}`);
  t0 = performance.now();
  audit.verify({ tailRows: START_CHECK_ROWS });
  out.verify_start_check_ms = ms(t0);

  t0 = performance.now();
  const keep = Math.floor(rows * 0.9);
  let pruned = 0;
  for (let n; (n = audit.pruneStep({ cutoff: null, keepRows: keep, batch: 1000 })) > 0; ) pruned += n;
  out.prune_10pct_ms = ms(t0);
  out.pruned = pruned;
  let worst = 0;
  for (let i = 0; i < 20; i++) {
    for (let j = 0; j < 1000; j++) audit.recordSoon({ actor: "api", action: "tool.call", outcome: "ok" });
    audit.flush(); // not part of the prune's own transaction
    const t = performance.now();
    audit.pruneStep({ cutoff: null, keepRows: keep, batch: 1000 });
    worst = Math.max(worst, performance.now() - t);
  }
  out.prune_batch_1000_worst_ms = Math.round(worst * 10) / 10;
  out.catalog_bytes_per_row = Math.round(Bun.file(path).size / audit.rowCount());
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes("--json")) console.log(JSON.stringify(out));
else for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(34)} ${v}`);
