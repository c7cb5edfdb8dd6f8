import { describe, expect, test } from "bun:test";
import { AppError } from "../core/errors.ts";
import { decideApprovals, type PromptIo } from "./enable-prompt.ts";

const ID = "com.example.hello";
const PENDING = ["env:read:HELLO_NAME", "filesystem:read:~/Documents", "network:egress:*"];
const none = { approve: [], approveAll: false, approveNone: false };

/** A terminal that answers from a script and records what it was shown. */
function terminal(answers: string[], interactive = true): PromptIo & { shown: string[] } {
  const shown: string[] = [];
  return {
    interactive,
    shown,
    say: (l) => shown.push(l),
    ask: async (q) => {
      shown.push(q);
      return /^y(es)?$/i.test(answers.shift() ?? "");
    },
  };
}

describe("agents enable: which permissions are approved", () => {
  test("on a terminal: one y/N per pending permission, saying what it allows; only yes approves", async () => {
    const io = terminal(["y", "n", "yes"]);
    expect(await decideApprovals(ID, PENDING, none, io)).toEqual({ approve: ["env:read:HELLO_NAME", "network:egress:*"], approveAll: false });
    expect(io.shown).toEqual([
      expect.stringContaining(`${ID} requests 3 permissions not approved yet`),
      "  env:read:HELLO_NAME — Read the environment variable HELLO_NAME. Approve?",
      "  filesystem:read:~/Documents — Read files in ~/Documents. Approve?",
      "  network:egress:* — Connect to any host on the network. Approve?",
    ]);
  });

  test("an empty answer or end of input is no", async () => {
    expect((await decideApprovals(ID, PENDING, none, terminal(["", ""]))).approve).toEqual([]);
  });

  test("flags decide without asking, on a terminal or not", async () => {
    for (const interactive of [true, false]) {
      const io = terminal([], interactive);
      expect(await decideApprovals(ID, PENDING, { ...none, approveAll: true }, io)).toEqual({ approve: [], approveAll: true });
      expect(await decideApprovals(ID, PENDING, { ...none, approve: ["env:read:HELLO_NAME"] }, io)).toEqual({ approve: ["env:read:HELLO_NAME"], approveAll: false });
      expect(await decideApprovals(ID, PENDING, { ...none, approveNone: true }, io)).toEqual({ approve: [], approveAll: false });
      expect(io.shown).toEqual([]);
    }
  });

  test("without a terminal and without a flag: refused (exit 2) with one line naming the flags", async () => {
    const err = await decideApprovals(ID, PENDING.slice(0, 1), none, terminal([], false)).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("confirmation_required");
    expect(err.message).toBe(
      `${ID} requests 1 permission not approved yet (env:read:HELLO_NAME); stdin is not a terminal, so re-run with --approve PERM (repeatable), --approve-all, or --approve-none`,
    );
  });

  test("nothing pending: nothing asked, nothing refused (a re-enable)", async () => {
    expect(await decideApprovals(ID, [], none, terminal([], false))).toEqual({ approve: [], approveAll: false });
  });

  test("two of the flags at once is a usage error", async () => {
    expect((await decideApprovals(ID, PENDING, { ...none, approveAll: true, approveNone: true }, terminal([])).catch((e) => e)).code).toBe("usage");
  });
});
