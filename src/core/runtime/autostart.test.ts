import { expect, test } from "bun:test";
import type { AutostartOutcome } from "./agent-control.ts";
import { autostartAll } from "./autostart.ts";

/** A start that finishes when the test says so, so overlap can be observed without timers. */
function controllable() {
  const pending = new Map<string, (o: AutostartOutcome) => void>();
  const waiters: Array<() => void> = [];
  let running = 0;
  let peak = 0;
  const startOne = (agentId: string) =>
    new Promise<AutostartOutcome>((resolve) => {
      running++;
      peak = Math.max(peak, running);
      pending.set(agentId, (o) => {
        running--;
        resolve(o);
      });
      for (const w of waiters.splice(0)) w();
    });
  const started = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (pending.size >= n ? resolve() : waiters.push(check));
      check();
    });
  const finish = (agentId: string, o: AutostartOutcome = { agentId, outcome: "started" }) => pending.get(agentId)!(o);
  return { startOne, started, finish, peak: () => peak, running: () => running, pending };
}

test("at most two start at once; the next begins as soon as one finishes, in order", async () => {
  const c = controllable();
  const done = autostartAll({ agentIds: ["a", "b", "c", "d"], startOne: c.startOne, cancelled: () => false });
  await c.started(2);
  expect([...c.pending.keys()]).toEqual(["a", "b"]);
  c.finish("b");
  await c.started(3);
  expect(c.pending.has("c")).toBe(true);
  expect(c.running()).toBe(2);
  c.finish("a", { agentId: "a", outcome: "failed", error: "boom" });
  await c.started(4);
  c.finish("c", { agentId: "c", outcome: "skipped", reason: "already running" });
  c.finish("d");
  const r = await done;
  expect(c.peak()).toBe(2);
  expect(r.started).toEqual(["b", "d"]);
  expect(r.failed).toEqual([{ agentId: "a", error: "boom" }]);
  expect(r.skipped).toEqual([{ agentId: "c", reason: "already running" }]);
});

test("once cancelled (daemon stopping), nothing more is started", async () => {
  const c = controllable();
  let stopping = false;
  const done = autostartAll({ agentIds: ["a", "b", "c"], startOne: c.startOne, cancelled: () => stopping, concurrency: 1 });
  await c.started(1);
  stopping = true;
  c.finish("a");
  const r = await done;
  expect(c.pending.size).toBe(1);
  expect(r.skipped.map((s) => s.agentId)).toEqual(["b", "c"]);
});

test("nothing to start: an empty report", async () => {
  const r = await autostartAll({ agentIds: [], startOne: async (agentId) => ({ agentId, outcome: "started" }), cancelled: () => false });
  expect(r).toMatchObject({ started: [], skipped: [], failed: [] });
});
