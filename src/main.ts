#!/usr/bin/env bun
/**
 * argv → command; nothing else. The sandbox's exec step is dispatched before
 * the CLI is loaded: it runs once per agent start, between the daemon and
 * bubblewrap, and should cost as little as possible. `serve` first re-executes
 * itself with the daemon's allocator setting (daemon/allocator-env.ts).
 */
if (process.argv[2] === "__exec-restricted") {
  const { execRestricted } = await import("./core/sandbox/exec-restricted.ts");
  process.exit(execRestricted(process.argv.slice(3)));
}
if (process.argv[2] === "serve") {
  const { reexecWithAllocatorEnv } = await import("./daemon/allocator-env.ts");
  reexecWithAllocatorEnv();
}
const { runCli } = await import("./cli/dispatch.ts");
process.exitCode = await runCli(process.argv.slice(2));
export {};
