/**
 * Which permissions `agents enable` approves (issue 17, finding 4). Flags
 * decide for scripts (`--approve PERM` repeatable, `--approve-all`,
 * `--approve-none`); otherwise a terminal asks y/N per requested permission
 * that is not approved yet, saying what each allows. Without a terminal and
 * without a flag it refuses (exit 2) rather than silently enabling with no
 * approvals. Nothing is asked when nothing is pending (a re-enable).
 */
import { AppError } from "../core/errors.ts";
import { describePermission } from "../core/manifest/permission-words.ts";
import { clean } from "./output.ts";

export interface ApprovalFlags {
  approve: string[];
  approveAll: boolean;
  approveNone: boolean;
}

export interface PromptIo {
  /** Whether the user can be asked (stdin is a terminal). */
  interactive: boolean;
  /** Asks one y/N question; true only for an explicit yes. */
  ask(question: string): Promise<boolean>;
  say(line: string): void;
}

/** What to send to the enable service: an explicit list, or all. */
export async function decideApprovals(agentId: string, pending: readonly string[], flags: ApprovalFlags, io: PromptIo): Promise<{ approve: string[]; approveAll: boolean }> {
  const given = [flags.approve.length > 0, flags.approveAll, flags.approveNone].filter(Boolean).length;
  if (given > 1) throw new AppError("usage", "give only one of --approve PERM, --approve-all and --approve-none");
  if (flags.approveAll) return { approve: [], approveAll: true };
  if (flags.approve.length || flags.approveNone || pending.length === 0) return { approve: flags.approve, approveAll: false };
  const n = pending.length;
  if (!io.interactive) {
    throw new AppError(
      "confirmation_required",
      `${agentId} requests ${n} permission${n > 1 ? "s" : ""} not approved yet (${pending.map(clean).join(", ")}); stdin is not a terminal, so re-run with --approve PERM (repeatable), --approve-all, or --approve-none`,
    );
  }
  io.say(`${agentId} requests ${n} permission${n > 1 ? "s" : ""} not approved yet. Approve each (tools that need a refused one cannot be called; revoke any later with: opensentience agents revoke ${agentId} PERM):`);
  const approve: string[] = [];
  for (const p of pending) {
    if (await io.ask(`  ${clean(p)} — ${clean(describePermission(p).text)}. Approve?`)) approve.push(p);
  }
  return { approve, approveAll: false };
}

/**
 * y/N questions on stderr, answers read line by line from stdin (a typed-ahead
 * answer is kept for the next question). Anything but y/yes is no; end of input is no.
 */
export function terminalAsker(write: (s: string) => void = (s) => process.stderr.write(s)): (question: string) => Promise<boolean> {
  const lines: string[] = [];
  let buffered = "";
  let ended = false;
  let waiting: (() => void) | null = null;
  const onData = (chunk: Buffer | string) => {
    buffered += String(chunk);
    const parts = buffered.split(/\r?\n/);
    buffered = parts.pop() ?? "";
    lines.push(...parts);
    waiting?.();
  };
  const onEnd = () => {
    ended = true;
    waiting?.();
  };
  let listening = false;
  return async (question) => {
    write(`${question} [y/N] `);
    if (!listening) {
      listening = true;
      process.stdin.on("data", onData);
      process.stdin.once("end", onEnd);
    }
    process.stdin.resume();
    while (!lines.length && !ended) await new Promise<void>((r) => (waiting = r));
    waiting = null;
    process.stdin.pause();
    const answer = lines.shift() ?? "";
    return /^\s*y(es)?\s*$/i.test(answer);
  };
}
