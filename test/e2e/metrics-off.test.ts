/**
 * `metrics.enabled: false` in config.json (issue 15: metrics need an off
 * switch): nothing is counted, so nothing is served — /metrics and
 * /api/v1/stats answer a JSON 404 that says why, through the CLI too — while
 * the rest of the daemon works as ever, and `config show` reports the setting.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RunningDaemon, runBinary, startWebDaemon, tempHome, type TempHome } from "../helpers/web-daemon.ts";

let home: TempHome;
let d: RunningDaemon;

beforeAll(async () => {
  home = tempHome();
  writeFileSync(join(home.home, "config.json"), JSON.stringify({ metrics: { enabled: false } }));
  d = await startWebDaemon({ home });
}, 120_000);

afterAll(async () => {
  await d?.stop();
  home?.cleanup();
});

test("/metrics, /api/v1/metrics and /api/v1/stats answer a JSON 404 naming the setting", async () => {
  for (const path of ["/metrics", "/api/v1/metrics", "/api/v1/stats"]) {
    const res = await d.api(path);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toContain("metrics.enabled: false");
  }
  // Still never anonymous: the guard answers before the switch is looked at.
  expect((await fetch(`${d.url}/metrics`)).status).toBe(401);
});

test("the rest of the API is unaffected; `stats` through the daemon says why in one line; config show reports it", async () => {
  expect((await d.api("/api/v1/agents")).status).toBe(200);
  const stats = await runBinary(["stats"], home.env);
  expect(stats.code).not.toBe(0);
  expect(stats.stderr.trim().split("\n")).toHaveLength(1);
  expect(stats.stderr).toContain("metrics.enabled: false");
  const show = await runBinary(["config", "show", "--json"], home.env);
  expect(show.code).toBe(0);
  expect(JSON.parse(show.stdout)).toMatchObject({ metrics: { enabled: false } });
});
