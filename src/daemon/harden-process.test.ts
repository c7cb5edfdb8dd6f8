import { expect, test } from "bun:test";
import { markNonDumpable } from "./harden-process.ts";

// The Linux effect is checked on the compiled daemon (test/e2e/daemon-hardening.test.ts):
// applying it here would change the test runner itself.
test("elsewhere than Linux it is a no-op that says so", () => {
  expect(markNonDumpable("darwin")).toEqual({ applied: false, note: "process hardening: PR_SET_DUMPABLE is Linux-only; on darwin the daemon stays dumpable" });
});
