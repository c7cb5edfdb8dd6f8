import { expect, test } from "bun:test";
import { isRuntimeFilter, runtimeClass } from "./runtime-filter.ts";

test("every runtime state falls in exactly one of running, stopped, crashed", () => {
  const states = ["stopped", "starting", "running", "stopping", "backoff", "failed", "exited"] as const;
  expect(states.map(runtimeClass)).toEqual(["stopped", "running", "running", "running", "crashed", "crashed", "crashed"]);
  expect(["running", "stopped", "crashed", "installed", "", undefined].map(isRuntimeFilter)).toEqual([true, true, true, false, false, false]);
});
