/**
 * Every CLI command, in help order. Adding a command = one file + one line here.
 *
 * The table is static and cheap: names, summaries, usage and options live here,
 * and each command's module is imported only when that command runs, so
 * `--version`, `--help` and a command's `--help` load none of them (no zod
 * schemas, Elysia or drizzle). commands.test.ts checks that every entry matches
 * the command its module exports.
 */
import type { Command } from "./command.ts";

export type CommandMeta = Omit<Command, "run">;
export interface LazyCommand extends Command {
  /** Imports the command's module and returns the command it exports. */
  load(): Promise<Command>;
}

function lazy(meta: CommandMeta, load: () => Promise<Command>): LazyCommand {
  return { ...meta, load, run: async (ctx) => (await load()).run(ctx) };
}

export const COMMANDS: LazyCommand[] = [
  lazy({ path: ["serve"], summary: "Run the daemon (catalog, discovery, agent runtime, web UI on 127.0.0.1:6767)", usage: "[--port N] [--host H] [--allow-remote]", options: { port: { type: "string" }, host: { type: "string" }, "allow-remote": { type: "boolean" } } }, () => import("./serve.ts").then((m) => m.serve)),
  lazy({ path: ["discover"], summary: "Scan folders for agent manifests (reads files only, never runs anything)", usage: "[PATH...]", args: { min: 0, max: Infinity } }, () => import("./discover.ts").then((m) => m.discover)),
  lazy({ path: ["agents", "list"], summary: "List catalogued agents (local and from registries)", usage: "[--capability C] [--integration I] [--status S] [--verification V] [--min-trust N] [--source local|remote] [--limit N] [--offset N]", options: { capability: { type: "string" }, integration: { type: "string" }, status: { type: "string" }, verification: { type: "string" }, "min-trust": { type: "string" }, source: { type: "string" }, limit: { type: "string" }, offset: { type: "string" } }, lazyContext: true }, () => import("./agents-search.ts").then((m) => m.agentsList)),
  lazy({ path: ["agents", "search"], summary: "Full-text search over id, name, description, keywords and tools", usage: "QUERY [--capability C] [--integration I] [--status S] [--verification V] [--min-trust N] [--source local|remote] [--limit N] [--offset N]", options: { capability: { type: "string" }, integration: { type: "string" }, status: { type: "string" }, verification: { type: "string" }, "min-trust": { type: "string" }, source: { type: "string" }, limit: { type: "string" }, offset: { type: "string" } }, args: { min: 1, max: 1 }, lazyContext: true }, () => import("./agents-search.ts").then((m) => m.agentsSearch)),
  lazy({ path: ["agents", "info"], summary: "Show everything known about one agent", usage: "ID", args: { min: 1, max: 1 } }, () => import("./agents-query.ts").then((m) => m.agentsInfo)),
  lazy({ path: ["agents", "install"], summary: "Fetch and build an agent (runs its build code: asks first unless --yes)", usage: "ID [--ref REF] [--registry NAME | --local] [--yes] [--verbose]", options: { ref: { type: "string" }, registry: { type: "string" }, local: { type: "boolean" }, yes: { type: "boolean" }, verbose: { type: "boolean" } }, args: { min: 1, max: 1 } }, () => import("./agents-install.ts").then((m) => m.agentsInstall)),
  lazy({ path: ["agents", "update"], summary: "Fetch a newer version, show commits and permission changes, build it and swap on success", usage: "ID [--yes] [--verbose]", options: { yes: { type: "boolean" }, verbose: { type: "boolean" } }, args: { min: 1, max: 1 } }, () => import("./agents-update.ts").then((m) => m.agentsUpdate)),
  lazy({ path: ["agents", "enable"], summary: "Approve permissions (a subset of those requested) and enable an installed agent", usage: "ID [--approve PERM,... | --approve-all] [--override-yank]", options: { approve: { type: "string", multiple: true }, "approve-all": { type: "boolean" }, "override-yank": { type: "boolean" } }, args: { min: 1, max: 1 } }, () => import("./agents-enable.ts").then((m) => m.agentsEnable)),
  lazy({ path: ["agents", "test"], summary: "Run an installed agent's own tests (mix test) in the build sandbox and record the result (asks first unless --yes)", usage: "ID [--yes] [--timeout MS] [--verbose]", options: { yes: { type: "boolean" }, timeout: { type: "string" }, verbose: { type: "boolean" } }, args: { min: 1, max: 1 } }, () => import("./agents-test.ts").then((m) => m.agentsTest)),
  lazy({ path: ["agents", "disable"], summary: "Disable an agent (its approvals are kept; a running agent is stopped first)", usage: "ID", args: { min: 1, max: 1 } }, () => import("./agents-disable.ts").then((m) => m.agentsDisable)),
  lazy({ path: ["agents", "revoke"], summary: "Withdraw one approved permission from an agent (a running agent is stopped first)", usage: "ID PERM", args: { min: 2, max: 2 } }, () => import("./agents-revoke.ts").then((m) => m.agentsRevoke)),
  lazy({ path: ["agents", "uninstall"], summary: "Stop an agent, drop its approvals and delete its installed files", usage: "ID [--yes]", options: { yes: { type: "boolean" } }, args: { min: 1, max: 1 } }, () => import("./agents-uninstall.ts").then((m) => m.agentsUninstall)),
  lazy({ path: ["agents", "run"], summary: "Start an installed, enabled agent and keep it running across daemon restarts (waits until its tools are registered)", usage: "ID [--no-autostart]", options: { "no-autostart": { type: "boolean" } }, args: { min: 1, max: 1 } }, () => import("./agents-lifecycle.ts").then((m) => m.agentsRun)),
  lazy({ path: ["agents", "stop"], summary: "Stop a running agent; it stays stopped across daemon restarts (shutdown, grace period, then kill its process tree)", usage: "ID", args: { min: 1, max: 1 } }, () => import("./agents-lifecycle.ts").then((m) => m.agentsStop)),
  lazy({ path: ["agents", "restart"], summary: "Restart an agent", usage: "ID", args: { min: 1, max: 1 } }, () => import("./agents-lifecycle.ts").then((m) => m.agentsRestart)),
  lazy({ path: ["agents", "logs"], summary: "Show an agent's log (redacted); --follow streams new lines until Ctrl-C", usage: "ID [--follow] [--tail N]", options: { follow: { type: "boolean", short: "f" }, tail: { type: "string" } }, args: { min: 1, max: 1 } }, () => import("./agents-logs.ts").then((m) => m.agentsLogs)),
  lazy({ path: ["tools", "list"], summary: "List the tools registered by running agents", usage: "[--agent ID]", options: { agent: { type: "string" } } }, () => import("./tools.ts").then((m) => m.toolsList)),
  lazy({ path: ["tools", "call"], summary: "Call a tool through the router; progress streams to stderr, Ctrl-C cancels", usage: "AGENT_ID/TOOL [--args JSON] [--timeout MS]", options: { args: { type: "string" }, timeout: { type: "string" } }, args: { min: 1, max: 1 } }, () => import("./tools.ts").then((m) => m.toolsCall)),
  lazy({ path: ["agents", "new"], summary: "Create a new Elixir agent project (manifest, mix.exs, one tool, a test)", usage: "NAME [--dir DIR] [--id ID]", options: { dir: { type: "string" }, id: { type: "string" } }, args: { min: 1, max: 1 } }, () => import("./agents-new.ts").then((m) => m.agentsNew)),
  lazy({ path: ["agents", "examples"], summary: "Write the example agents this binary carries to DIR (default ./opensentience-examples)", usage: "[DIR]", args: { min: 0, max: 1 } }, () => import("./agents-examples.ts").then((m) => m.agentsExamples)),
  lazy({ path: ["agents", "validate"], summary: "Check an agent manifest and list every problem (default: ./opensentience.agent.json)", usage: "[PATH]", args: { min: 0, max: 1 } }, () => import("./agents-validate.ts").then((m) => m.agentsValidate)),
  lazy({ path: ["registry", "add"], summary: "Add a git-backed agent registry (then run: registry sync NAME)", usage: "NAME GIT_URL [--ref REF] [--require-signed --allowed-signers FILE]", options: { ref: { type: "string" }, "require-signed": { type: "boolean" }, "allowed-signers": { type: "string" } }, args: { min: 2, max: 2 } }, () => import("./registry-add.ts").then((m) => m.registryAdd)),
  lazy({ path: ["registry", "list"], summary: "List registries with their last sync time, commit, status and bad entries" }, () => import("./registry-list.ts").then((m) => m.registryList)),
  lazy({ path: ["registry", "remove"], summary: "Remove a registry and its catalog listings (installed agents stay installed)", usage: "NAME", args: { min: 1, max: 1 } }, () => import("./registry-remove.ts").then((m) => m.registryRemove)),
  lazy({ path: ["registry", "sync"], summary: "Fetch registries (all, or NAME) and update the catalog in one transaction", usage: "[NAME] [--force]", options: { force: { type: "boolean" } }, args: { min: 0, max: 1 } }, () => import("./registry-sync.ts").then((m) => m.registrySync)),
  lazy({ path: ["audit"], summary: "Show the audit log, newest first", usage: "[--agent ID] [--action A] [--since T] [--correlation ID] [--limit N]", options: { agent: { type: "string" }, action: { type: "string" }, since: { type: "string" }, correlation: { type: "string" }, limit: { type: "string" } } }, () => import("./audit.ts").then((m) => m.audit)),
  lazy({ path: ["audit", "verify"], summary: "Check the audit log's hash chain; names the first edited, inserted or missing row (exit 1)", usage: "[--tail N]", options: { tail: { type: "string" } } }, () => import("./audit-chain.ts").then((m) => m.auditVerify)),
  lazy({ path: ["audit", "export"], summary: "Write audit rows oldest first as JSON Lines (for a SIEM), with each row's chain hash", usage: "[--since T] [--format jsonl]", options: { since: { type: "string" }, format: { type: "string" } } }, () => import("./audit-chain.ts").then((m) => m.auditExport)),
  lazy({ path: ["stats"], summary: "Per-tool calls, error rate and latency p50/p95/p99 (last hour and retained), restarts and uptime", usage: "[--agent ID]", options: { agent: { type: "string" } } }, () => import("./stats.ts").then((m) => m.stats)),
  lazy({ path: ["config", "show"], summary: "Show the effective configuration and where each value came from" }, () => import("./config-show.ts").then((m) => m.configShow)),
  lazy({ path: ["token"], summary: "Print the admin UI login URL (--rotate: replace the token and log out every browser)", usage: "[--rotate]", options: { rotate: { type: "boolean" } } }, () => import("./token.ts").then((m) => m.token)),
  lazy({ path: ["token", "create"], summary: "Create a client token for MCP clients, limited to the given tools (shown once)", usage: "NAME --tools 'AGENT_ID/*,AGENT_ID/TOOL,...' [--metrics]", options: { tools: { type: "string" }, metrics: { type: "boolean" } }, args: { min: 1, max: 1 } }, () => import("./client-tokens.ts").then((m) => m.tokenCreate)),
  lazy({ path: ["token", "list"], summary: "List the client tokens of MCP clients and when each was last used" }, () => import("./client-tokens.ts").then((m) => m.tokenList)),
  lazy({ path: ["token", "revoke"], summary: "Revoke a client token; its MCP sessions end at once", usage: "NAME", args: { min: 1, max: 1 } }, () => import("./client-tokens.ts").then((m) => m.tokenRevoke)),
  lazy({ path: ["mcp"], summary: "Serve the running agents' tools over MCP on stdin/stdout (for MCP clients; needs the daemon)", usage: "[--token-name NAME]", options: { "token-name": { type: "string" } } }, () => import("./mcp.ts").then((m) => m.mcp)),
  lazy({ path: ["doctor"], summary: "Check git, Elixir, the data dir, socket, port and token; say how to fix what is wrong" }, () => import("./doctor.ts").then((m) => m.doctor)),
  lazy({ path: ["service", "install"], summary: "Run the daemon at login: write and load a systemd user unit (Linux) or launchd agent (macOS)", usage: "[--print] [--force]", options: { print: { type: "boolean" }, force: { type: "boolean" } } }, () => import("./service.ts").then((m) => m.serviceInstall)),
  lazy({ path: ["service", "uninstall"], summary: "Stop the daemon service and remove its unit file / plist", usage: "[--force]", options: { force: { type: "boolean" } } }, () => import("./service.ts").then((m) => m.serviceUninstall)),
  lazy({ path: ["service", "status"], summary: "Show whether the daemon service is installed, enabled and running" }, () => import("./service.ts").then((m) => m.serviceStatusCommand)),
];
