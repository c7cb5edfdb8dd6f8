import { expect, test } from "bun:test";
import { CallCancel, CallLimiter, Deadline } from "./call-limits.ts";

const limits = { maxConcurrency: 1, callsPerMinute: 1000, maxQueued: 4 };

test("a free slot is granted synchronously (no promise); a full one queues", async () => {
  const l = new CallLimiter(limits);
  const first = l.admit(new Deadline(10_000));
  expect(first instanceof Promise).toBe(false);
  expect(first).toMatchObject({ ok: true });
  const second = l.admit(new Deadline(10_000));
  expect(second instanceof Promise).toBe(true);
  expect(l.queued).toBe(1);
  (first as { ok: true; release(): void }).release();
  expect(await second).toMatchObject({ ok: true });
  expect(l.active).toBe(1);
});

test("a queued call ends canceled when its deadline passes, or when the caller's signal aborts", async () => {
  const l = new CallLimiter(limits);
  const held = l.admit();
  const deadline = new Deadline(20);
  const byDeadline = await l.admit(deadline, new AbortController().signal);
  expect(byDeadline).toMatchObject({ ok: false, code: "canceled" });
  expect(deadline.aborted).toBe(true);
  const ac = new AbortController();
  const waiting = l.admit(new Deadline(10_000), ac.signal);
  ac.abort();
  expect(await waiting).toMatchObject({ ok: false, code: "canceled" });
  expect(l.queued).toBe(0);
  expect(held).toMatchObject({ ok: true });
});

test("Deadline: fires its listeners once when the time is up; a removed listener never fires", async () => {
  const d = new Deadline(15);
  expect(d.aborted).toBe(false);
  const calls: string[] = [];
  const gone = () => calls.push("removed");
  d.addEventListener("abort", gone);
  d.removeEventListener("abort", gone);
  await new Promise<void>((resolve) => d.addEventListener("abort", () => resolve(calls.push("fired") as never)));
  expect(calls).toEqual(["fired"]);
  expect(d.aborted).toBe(true);
  d.addEventListener("abort", () => calls.push("late"));
  // A later deadline firing proves the late listener had its chance and was not called.
  const later = new Deadline(5);
  await new Promise<void>((resolve) => later.addEventListener("abort", () => resolve()));
  expect(calls).toEqual(["fired"]);
});

test("Deadline: one shared timer fires each deadline when its own time is up, in time order, whatever order they were listened to", async () => {
  const fired: Array<{ ms: number; late: boolean }> = [];
  const listen = (ms: number) => {
    const d = new Deadline(ms);
    return new Promise<void>((resolve) =>
      d.addEventListener("abort", () => {
        fired.push({ ms, late: performance.now() >= d.at });
        resolve();
      }),
    );
  };
  // A long one first (the timer is armed for it), then earlier ones that must re-arm it, then one removed in between.
  const long = listen(60);
  const removed = new Deadline(20);
  const never = () => fired.push({ ms: -1, late: false });
  removed.addEventListener("abort", never);
  const short = listen(10);
  const middle = listen(30);
  removed.removeEventListener("abort", never);
  await Promise.all([long, short, middle]);
  expect(fired).toEqual([
    { ms: 10, late: true },
    { ms: 30, late: true },
    { ms: 60, late: true },
  ]);
});

test("Deadline: when the event loop runs late past several deadlines, they still fire earliest first", async () => {
  const fired: number[] = [];
  const done = Promise.all(
    [40, 10, 25].map((ms) => {
      const d = new Deadline(ms);
      return new Promise<void>((resolve) =>
        d.addEventListener("abort", () => {
          fired.push(ms);
          resolve();
        }),
      );
    }),
  );
  // Block the event loop past all three: the shared timer then finds them all due at once.
  const until = performance.now() + 60;
  while (performance.now() < until) {
    // busy: no timer can run
  }
  await done;
  expect(fired).toEqual([10, 25, 40]);
});

test("Deadline: a call that ends before its deadline leaves nothing to fire, and a later deadline still fires", async () => {
  const calls: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const d = new Deadline(5);
    const l = () => calls.push("stale");
    d.addEventListener("abort", l);
    d.removeEventListener("abort", l);
  }
  const d = new Deadline(15);
  await new Promise<void>((resolve) => d.addEventListener("abort", () => resolve()));
  expect(calls).toEqual([]);
  expect(d.aborted).toBe(true);
});

test("CallCancel: abort fires each listener once, never a removed one, and later listeners are ignored", () => {
  const c = new CallCancel();
  const calls: string[] = [];
  const removed = () => calls.push("removed");
  c.addEventListener("abort", () => calls.push("a"));
  c.addEventListener("abort", removed);
  c.addEventListener("abort", () => calls.push("b"));
  c.removeEventListener("abort", removed);
  expect(c.aborted).toBe(false);
  c.abort();
  c.abort();
  c.addEventListener("abort", () => calls.push("late"));
  expect(c.aborted).toBe(true);
  expect(calls).toEqual(["a", "b"]);
});
