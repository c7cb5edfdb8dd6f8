import { expect, test } from "bun:test";
import { agentNotCallable } from "./not-callable.ts";

const ok = { state: "installed", enabled: true };

test("each reason an agent's tools cannot be called names the next step; a running agent has none", () => {
  const msg = (install: { state: string; enabled: boolean } | null, state: Parameters<typeof agentNotCallable>[2]) => {
    const e = agentNotCallable("com.x.echo", install, state);
    if (e) expect(e.code).toBe("agent_unavailable");
    return e?.message ?? null;
  };
  expect(msg(null, null)).toBe("agent com.x.echo is not installed (install it: opensentience agents install com.x.echo)");
  expect(msg({ state: "install_failed", enabled: false }, null)).toBe("agent com.x.echo is not installed (its install is install_failed; see: opensentience agents info com.x.echo)");
  expect(msg({ state: "installed", enabled: false }, { state: "stopped" })).toBe("agent com.x.echo is disabled (enable it: opensentience agents enable com.x.echo)");
  expect(msg(ok, { state: "stopped" })).toBe("agent com.x.echo is not running (run it: opensentience agents run com.x.echo)");
  expect(msg(ok, { state: "failed" })).toBe("agent com.x.echo is not running (run it: opensentience agents run com.x.echo)");
  expect(msg(ok, null)).toContain("is not running");
  expect(msg(ok, { state: "backoff" })).toBe("agent com.x.echo is restarting after a crash; try again shortly (see: opensentience agents logs com.x.echo)");
  expect(msg(ok, { state: "starting" })).toContain("is starting; try again shortly");
  expect(msg(ok, { state: "running" })).toBeNull();
});
