/**
 * Calls to tools that are not registered (a typo, a stopped agent's tool, a
 * made-up id) are counted in one shared series per installed agent, else
 * under `_unknown`. The runtime answers "is this agent known" from the
 * router's policy cache, which a write to `installs` invalidates: the answer
 * follows an install at once, without a catalog query per call.
 */
import { afterAll, expect, test } from "bun:test";
import { fakeManifest, runtimeEnv } from "../helpers/runtime-env.ts";

const env = await runtimeEnv();
afterAll(() => env.close());

const AGENT = "com.example.later";
const call = (tool: string) => env.runtime.call({ tool, arguments: {}, caller: { kind: "cli", id: "test" } });
/** Calls counted in the shared series of `owner` (any outcome). */
const counted = (owner: string) => {
  const s = env.services.metrics.toolSeries().find((t) => t.agentId === owner && t.tool === "_unregistered");
  return s ? Array.from(s.outcomes).reduce((a, b) => a + b, 0) : 0;
};

test("an unregistered tool counts under _unknown until its agent is installed, then under the agent", async () => {
  for (let i = 0; i < 3; i++) expect((await call(`${AGENT}/typo`)).ok).toBe(false);
  expect(counted("_unknown")).toBe(3);
  expect(counted(AGENT)).toBe(0);

  env.installAgent({ id: AGENT, path: "/nonexistent", manifest: fakeManifest(AGENT) });
  expect((await call(`${AGENT}/typo`)).ok).toBe(false);
  expect(counted(AGENT)).toBe(1);
  expect(counted("_unknown")).toBe(3);
});
