/**
 * Terminal confirmation for actions that run third-party code or delete data.
 * `--yes` confirms up front; otherwise the question is asked on a terminal, and
 * without one (pipes, CI) the command refuses with exit 2 before doing anything.
 */
import { AppError } from "../core/errors.ts";
import type { CoreEvent } from "../core/events.ts";
import { killAllActive } from "../core/git/process.ts";
import type { CommandContext, Services } from "./command.ts";
import { clean } from "./output.ts";

export const stdinIsTerminal = (): boolean => !!process.stdin.isTTY;

/** Throws `confirmation_required` (exit 2) when the user can neither pass `--yes` nor be asked. */
export function requireConfirmable(ctx: CommandContext, what: string): void {
  if (ctx.values.yes === true || stdinIsTerminal()) return;
  throw new AppError("confirmation_required", `${what}; stdin is not a terminal, so re-run with --yes to confirm`);
}

/** Asks a y/N question on stderr and reads one line from stdin. Anything but y/yes is no. */
export async function askYesNo(question: string): Promise<boolean> {
  process.stderr.write(`${question} [y/N] `);
  const answer = await new Promise<string>((resolve) => {
    const onData = (chunk: Buffer | string) => {
      process.stdin.off("data", onData);
      process.stdin.off("end", onEnd);
      process.stdin.pause();
      resolve(String(chunk).split("\n")[0] ?? "");
    };
    const onEnd = () => {
      process.stdin.off("data", onData);
      resolve("");
    };
    process.stdin.on("data", onData);
    process.stdin.once("end", onEnd);
    process.stdin.resume();
  });
  return /^\s*y(es)?\s*$/i.test(answer);
}

/** Builds the `confirm` option for a service call: shows the plan (not in --json mode with --yes), then `--yes` or a terminal prompt. */
export function confirmer<P>(ctx: CommandContext, show: (plan: P) => string, question: string): (plan: P) => Promise<boolean> {
  return async (plan: P) => {
    if (!ctx.json || ctx.values.yes !== true) ctx.io.err(show(plan));
    return ctx.values.yes === true ? true : askYesNo(question);
  };
}

/** Prints one progress step on stderr (human mode only); build output only with --verbose. */
export function progressPrinter(ctx: CommandContext): (p: { step: string; message: string }) => void {
  const verbose = ctx.values.verbose === true;
  return (p) => {
    if (ctx.json || p.step === "done" || p.step === "confirm") return;
    if (p.step === "build.output") {
      if (verbose) ctx.io.err(`    ${clean(p.message)}`);
      return;
    }
    ctx.io.err(`  ${clean(p.message)}`);
  };
}

/** Prints the local services' `progress` events of one topic (no daemon). Returns the unsubscribe function. */
export function printProgress(ctx: CommandContext, services: Services, topic: string): () => void {
  const print = progressPrinter(ctx);
  return services.events.on((e: CoreEvent) => {
    if (e.type === "progress" && e.topic === topic) print(e);
  });
}

/** Prints the last build lines carried by a build error (human mode), then rethrows. */
export function withBuildTail(ctx: CommandContext, e: unknown): never {
  const details = (e as AppError)?.details as { tail?: string[] } | undefined;
  if (!ctx.json && Array.isArray(details?.tail) && details.tail.length) {
    ctx.io.err(["Last build output:", ...details.tail.map((l) => `  | ${clean(l)}`)].join("\n"));
  }
  throw e;
}

/**
 * While the daemon runs a long operation for this command: on SIGINT/SIGTERM/SIGHUP
 * say that it goes on in the daemon (its outcome is in the audit log), and exit.
 */
export function detachOnInterrupt(ctx: CommandContext, what: string): () => void {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const handler = (sig: NodeJS.Signals) => {
    ctx.io.err(`opensentience: interrupted (${sig}); ${what} goes on in the daemon — see: opensentience audit --limit 5`);
    process.exit(130);
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/**
 * While a long operation runs: on SIGINT/SIGTERM/SIGHUP, kill the git/mix child
 * trees (they run in their own session, so Ctrl-C does not reach them) and exit 1.
 * An interrupted install is cleaned up by the next operation on that agent.
 */
export function stopChildrenOnInterrupt(ctx: CommandContext): () => void {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const handler = (sig: NodeJS.Signals) => {
    killAllActive();
    ctx.io.err(`opensentience: interrupted (${sig}); stopped the running git/mix processes`);
    process.exit(1);
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
