/**
 * The tamper-evident audit log end to end, with the compiled binary on real
 * catalogs: tool calls through a real daemon are audited on the batched path;
 * `audit verify` passes an untouched log and, after each edit, delete and
 * insert made directly in SQLite, exits 1 with one line naming the first bad
 * row; retention pruning keeps it verifiable; `audit export` JSONL matches the
 * rows (locally and through the daemon); batched rows reach the disk without
 * a shutdown, and a daemon killed with SIGKILL mid-burst leaves a chain that
 * verifies and that the next daemon continues; a
 * daemon started on a broken chain says so in its log and on every page;
 * doctor warns below retention.min_free_disk_mb.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AuditLog } from "../../src/core/audit/audit-log.ts";
import { rowHash } from "../../src/core/audit/chain.ts";
import { systemClock } from "../../src/core/clock.ts";
import { retentionSchema } from "../../src/core/config/schema.ts";
import { RetentionService } from "../../src/core/retention/retention.ts";
import { openDb } from "../../src/db/open.ts";
import { waitFor } from "../helpers/binary.ts";
import { loginOverHttp, runBinary, type RunningDaemon, startWebDaemon, type TempHome, tempHome } from "../helpers/web-daemon.ts";

setDefaultTimeout(180_000);

const CALLS = 40;
let h: TempHome;
let db: string;
let pristine: string;

/** Tool calls to a tool no agent registered: each is denied and audited on the batched (recordSoon) path. */
async function callTools(d: RunningDaemon, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await d.api("/api/v1/tools/call", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tool: `com.example.none/${tag}`, arguments: { i } }) });
    await r.text();
  }
}

const verify = () => runBinary(["audit", "verify"], h.env);

function tamper(sql: string): void {
  copyFileSync(pristine, db);
  const s = new Database(db);
  s.exec("DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;");
  s.exec(sql);
  s.close();
}

beforeAll(async () => {
  h = tempHome();
  db = join(h.home, "catalog.db");
  pristine = join(h.dir, "pristine.db");
  const d = await startWebDaemon({ home: h });
  await callTools(d, CALLS, "x");
  await d.stop(); // SIGTERM: queued rows are flushed before the catalog closes
  expect(existsSync(`${db}-wal`) ? Bun.file(`${db}-wal`).size : 0).toBe(0);
  copyFileSync(db, pristine);
});
afterAll(() => h?.cleanup());

describe("audit verify (compiled binary, no daemon)", () => {
  test("an untouched log verifies: exit 0 and a summary", async () => {
    copyFileSync(pristine, db);
    const r = await verify();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^audit log intact: \d+ rows verified \(ids 1-\d+, from the first row\) in [\d.]+ ms; head [0-9a-f]{64}\n$/);
    const s = new Database(db, { readonly: true });
    const calls = s.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'tool.call'").get()!.n;
    s.close();
    expect(calls).toBe(CALLS);
  });

  const cases: Array<[string, string, string]> = [
    ["an edited row", "UPDATE audit_events SET outcome = 'ok' WHERE id = 7", "opensentience: audit chain broken: row 7 does not match its hash (edited, or inserted outside opensentience)\n"],
    ["a deleted row", "DELETE FROM audit_events WHERE id = 9", "opensentience: audit chain broken: row 9 is missing (deleted) before row 10\n"],
    ["rows deleted at the start", "DELETE FROM audit_events WHERE id <= 2", "opensentience: audit chain broken: rows 1-2 are missing (deleted) and no checkpoint row covers them\n"],
    ["rows deleted at the end", "DELETE FROM audit_events WHERE id > (SELECT MAX(id) - 3 FROM audit_events)", "at the end of the log\n"],
    ["an inserted row", "INSERT INTO audit_events (at, actor, action, outcome, details_json, hash) VALUES ('2026-01-01T00:00:00.000Z', 'cli', 'agent.enable', 'ok', '{}', 'ff')", "does not match its hash (edited, or inserted outside opensentience)\n"],
  ];
  for (const [what, sql, line] of cases) {
    test(`${what}: exit 1, one line naming the first bad row`, async () => {
      tamper(sql);
      const r = await verify();
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.split("\n").length).toBe(2);
      expect(r.stderr.endsWith(line)).toBe(true);
    });
  }

  test("an edit with its own hash recomputed is named at the next row", async () => {
    copyFileSync(pristine, db);
    const s0 = new Database(db, { readonly: true });
    const row = s0.query<any, []>("SELECT * FROM audit_events WHERE id = 12").get();
    const prev = s0.query<{ hash: string }, []>("SELECT hash FROM audit_events WHERE id = 11").get()!.hash;
    s0.close();
    tamper(`UPDATE audit_events SET outcome = 'ok', hash = '${rowHash({ ...row, outcome: "ok" }, prev)}' WHERE id = 12`);
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("row 13 does not match its hash");
  });

  test("pruning by retention keeps the log verifiable; the checkpoint is where verify starts", async () => {
    copyFileSync(pristine, db);
    const store = openDb(db);
    const audit = new AuditLog(store.sqlite, store.db, systemClock);
    const removed = await new RetentionService({ sqlite: store.sqlite, audit, clock: systemClock, settings: retentionSchema.parse({ audit_max_rows: 20, prune_batch_rows: 10 }), agentLogsDir: join(h.dir, "none") }).runOnce();
    store.close();
    expect(removed.audit).toBeGreaterThan(20);
    const r = await runBinary(["audit", "verify", "--json"], h.env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, from: "checkpoint", problem: null });
    expect((await verify()).stdout).toContain("from the retention checkpoint");
    // Deleting past the checkpoint is refused by the trigger, and detected when forced.
    const s = new Database(db);
    expect(() => s.exec("DELETE FROM audit_events WHERE id = (SELECT MIN(id) FROM audit_events)")).toThrow(/append-only/);
    s.close();
  });
});

describe("audit export --format jsonl", () => {
  test("locally and through the daemon: every row, oldest first, with hashes that re-verify", async () => {
    copyFileSync(pristine, db);
    const local = await runBinary(["audit", "export", "--format", "jsonl"], h.env);
    expect(local.code).toBe(0);
    const lines = local.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    const s = new Database(db, { readonly: true });
    const rows = s.query<any, []>("SELECT * FROM audit_events ORDER BY id").all();
    s.close();
    expect(lines.map((l) => l.id)).toEqual(rows.map((r) => r.id));
    for (const [i, l] of lines.entries()) {
      expect(l.hash).toBe(rows[i].hash);
      expect(rowHash({ ...l, details_json: JSON.stringify(l.details) }, i === 0 ? "0".repeat(64) : lines[i - 1].hash)).toBe(l.hash);
    }
    const d = await startWebDaemon({ home: h });
    try {
      const viaDaemon = await runBinary(["audit", "export", "--since", "1h"], h.env);
      expect(viaDaemon.code).toBe(0);
      const got = viaDaemon.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
      // The rows before this daemon, then its own (start, discovery …).
      expect(got.slice(0, lines.length)).toEqual(lines);
      expect(got.slice(lines.length).map((l) => l.action)).toContain("daemon.start");
      const v = await runBinary(["audit", "verify", "--json"], h.env);
      expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, from: "genesis" });
      const bad = await runBinary(["audit", "export", "--since", "yesterday"], h.env);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr.trim().split("\n").length).toBe(1);
      expect(bad.stderr).toContain("--since must be an ISO time");
    } finally {
      await d.stop();
    }
  });
});

test("kill -9: batched rows are committed without any shutdown, and a crash mid-burst leaves a chain that verifies", async () => {
  copyFileSync(pristine, db);
  const d = await startWebDaemon({ home: h });
  const reader = new Database(db, { readonly: true });
  const burst = () => reader.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'tool.call' AND details_json LIKE '%/burst\"%'").get()!.n;
  await callTools(d, 200, "burst");
  // Committed by the window timer alone (no query, no shutdown flushes them); how soon is bench/audit-batching.ts's job.
  await waitFor(() => burst() === 200, { timeoutMs: 10_000, what: "200 batched rows visible to another connection" });
  // Then a crash in the middle of the next burst: whatever was committed chains; nothing half-written.
  const inFlight = Array.from({ length: 8 }, () => callTools(d, 50, "crash").catch(() => {}));
  await waitFor(() => reader.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_events WHERE details_json LIKE '%/crash\"%'").get()!.n > 0, { what: "the second burst under way" });
  d.proc.kill("SIGKILL");
  await d.proc.exited;
  await Promise.all(inFlight);
  const stops = reader.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'daemon.stop'").get()!.n;
  expect(burst()).toBe(200);
  reader.close();
  expect(stops).toBe(1); // only the SIGTERM'd daemon of beforeAll stopped cleanly
  const r = await verify();
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  // The next daemon continues the same chain.
  const again = await startWebDaemon({ home: h });
  await callTools(again, 3, "after");
  await again.stop();
  expect((await verify()).code).toBe(0);
});

test("a daemon started on a broken chain logs it, audits it and shows a banner on every page", async () => {
  // An edit among the newest rows: the start check (the newest 10k rows) sees it.
  const s0 = new Database(pristine, { readonly: true });
  const last = s0.query<{ id: number }, []>("SELECT MAX(id) AS id FROM audit_events").get()!.id;
  s0.close();
  tamper(`UPDATE audit_events SET details_json = '{}' WHERE id = ${last - 2}`);
  const d = await startWebDaemon({ home: h });
  try {
    expect(d.stderr()).toContain(`audit log: chain broken — row ${last - 2} does not match its hash`);
    const session = await loginOverHttp(d);
    for (const page of ["/agents", "/audit"]) {
      const html = await (await fetch(`${d.url}${page}`, { headers: { cookie: session.cookie } })).text();
      expect(html).toContain("data-audit-chain-broken");
      expect(html).toContain(`Audit log tampered with: row ${last - 2} does not match its hash`);
    }
    const ev = (await (await d.api("/api/v1/audit?action=audit.chain_broken")).json()) as { events: Array<{ details: { row_id: number } }> };
    expect(ev.events[0]?.details.row_id).toBe(last - 2);
  } finally {
    await d.stop();
  }
  // An intact log: no banner.
  copyFileSync(pristine, db);
  const ok = await startWebDaemon({ home: h });
  try {
    const session = await loginOverHttp(ok);
    expect(await (await fetch(`${ok.url}/agents`, { headers: { cookie: session.cookie } })).text()).not.toContain("data-audit-chain-broken");
  } finally {
    await ok.stop();
  }
});

test("doctor warns when free space is below retention.min_free_disk_mb", async () => {
  writeFileSync(join(h.home, "config.json"), JSON.stringify({ retention: { min_free_disk_mb: 100_000_000 } }));
  try {
    const r = await runBinary(["doctor", "--json"], h.env);
    const disk = (JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; message: string }> }).checks.find((c) => c.id === "disk")!;
    expect(disk.status).toBe("warn");
    expect(disk.message).toContain("below retention.min_free_disk_mb (100000000 MiB)");
    const show = await runBinary(["config", "show"], h.env);
    expect(show.stdout).toContain("retention.audit_max_rows");
    writeFileSync(join(h.home, "config.json"), JSON.stringify({ retention: { audit_max_rows: "lots" } }));
    const invalid = await runBinary(["config", "show"], h.env);
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain("retention.audit_max_rows");
  } finally {
    rmSync(join(h.home, "config.json"), { force: true });
  }
});
