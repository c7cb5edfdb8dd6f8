-- Metrics (issue 15): per-minute rollups of tool calls, so latency percentiles
-- and call counts over "the last hour" and "everything retained" survive a
-- daemon restart. One row per (agent, tool, minute) with at least one call;
-- `minute` is Unix time in minutes. Counts by outcome, the duration sum, and
-- one column per latency bucket (b0..b18, per-bucket counts, bounds in
-- src/core/metrics/histogram.ts: 1, 2.5, 5, 10, 25, 50, 100, 250, 500 ms,
-- 1, 2.5, 5, 10, 30, 60, 120, 300, 600 s, +Inf). Rows past the retention are
-- pruned in small batches (src/core/metrics/rollups.ts).
CREATE TABLE tool_call_rollups (
  minute          INTEGER NOT NULL,
  agent_id        TEXT NOT NULL,
  tool            TEXT NOT NULL,
  ok              INTEGER NOT NULL DEFAULT 0,
  error           INTEGER NOT NULL DEFAULT 0,
  denied          INTEGER NOT NULL DEFAULT 0,
  canceled        INTEGER NOT NULL DEFAULT 0,
  timeout         INTEGER NOT NULL DEFAULT 0,
  duration_sum_ms REAL NOT NULL DEFAULT 0,
  b0  INTEGER NOT NULL DEFAULT 0,
  b1  INTEGER NOT NULL DEFAULT 0,
  b2  INTEGER NOT NULL DEFAULT 0,
  b3  INTEGER NOT NULL DEFAULT 0,
  b4  INTEGER NOT NULL DEFAULT 0,
  b5  INTEGER NOT NULL DEFAULT 0,
  b6  INTEGER NOT NULL DEFAULT 0,
  b7  INTEGER NOT NULL DEFAULT 0,
  b8  INTEGER NOT NULL DEFAULT 0,
  b9  INTEGER NOT NULL DEFAULT 0,
  b10 INTEGER NOT NULL DEFAULT 0,
  b11 INTEGER NOT NULL DEFAULT 0,
  b12 INTEGER NOT NULL DEFAULT 0,
  b13 INTEGER NOT NULL DEFAULT 0,
  b14 INTEGER NOT NULL DEFAULT 0,
  b15 INTEGER NOT NULL DEFAULT 0,
  b16 INTEGER NOT NULL DEFAULT 0,
  b17 INTEGER NOT NULL DEFAULT 0,
  b18 INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (agent_id, tool, minute)
);
CREATE INDEX tool_call_rollups_minute ON tool_call_rollups(minute);
