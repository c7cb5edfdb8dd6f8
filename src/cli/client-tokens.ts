/**
 * Scoped client tokens for MCP clients: `token create NAME --tools LIST`,
 * `token list`, `token revoke NAME`. Through the daemon when it runs, else on
 * the data directory under the daemon's lock (src/cli/target.ts).
 */
import { AppError } from "../core/errors.ts";
import type { Command } from "./command.ts";
import { clean, printJson, table } from "./output.ts";

const when = (iso: string | null) => (iso ? iso.slice(0, 19).replace("T", " ") : "never");

export const tokenCreate: Command = {
  path: ["token", "create"],
  summary: "Create a client token for MCP clients, limited to the given tools (shown once)",
  usage: "NAME --tools 'AGENT_ID/*,AGENT_ID/TOOL,...' [--metrics]",
  options: { tools: { type: "string", description: "Tools the token may call: AGENT_ID/*, AGENT_ID/TOOL, comma-separated" }, metrics: { type: "boolean", description: "Also allow reading /metrics" } },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const name = ctx.positionals[0]!;
    const tools = ctx.values.tools;
    // --metrics: may read /metrics (a Prometheus scraper); alone, the token can call no tool.
    const metrics = ctx.values.metrics === true;
    if ((typeof tools !== "string" || !tools.trim()) && !metrics) throw new AppError("usage", "--tools is required: the tools this client may call, e.g. --tools 'com.example.agent/*,com.other.agent/read' ('*' for all); or --metrics for a token that may only read /metrics");
    const list = [...(typeof tools === "string" ? tools.split(",").map((t) => t.trim()).filter(Boolean) : []), ...(metrics ? ["metrics"] : [])];
    const t = await ctx.target({ write: true });
    const created = t.kind === "daemon" ? await t.client.createClientToken(name, list) : t.services.clientTokens.create(name, list, { actor: "cli" });
    if (ctx.json) printJson(ctx.io, created);
    else {
      // The token alone on stdout (TOKEN=$(opensentience token create ...)); the rest on stderr.
      ctx.io.out(created.token);
      ctx.io.err(
        [
          `Client token '${clean(created.name)}' created. It is shown only this once; the daemon keeps only a hash.`,
          `  tools: ${created.tools.map(clean).join(", ")}`,
          ...(created.tools.some((t) => t !== "metrics") ? ["  use:   Authorization: Bearer <token> on the daemon's /mcp endpoint, or: opensentience mcp --token-name " + clean(created.name)] : []),
          ...(created.tools.includes("metrics") ? ["  use:   Authorization: Bearer <token> on GET /metrics (Prometheus: authorization.credentials_file)"] : []),
        ].join("\n"),
      );
    }
    return 0;
  },
};

export const tokenList: Command = {
  path: ["token", "list"],
  summary: "List the client tokens of MCP clients and when each was last used",
  async run(ctx) {
    const t = await ctx.target({ write: false });
    const tokens = t.kind === "daemon" ? (await t.client.listClientTokens()).tokens : t.services.clientTokens.list();
    if (ctx.json) printJson(ctx.io, { tokens });
    else if (tokens.length === 0) ctx.io.out("No client tokens (create one with: opensentience token create NAME --tools 'AGENT_ID/*').");
    else ctx.io.out(table(["NAME", "TOOLS", "CREATED", "LAST USED", "LAST CLIENT"], tokens.map((k) => [k.name, k.tools.join(","), when(k.createdAt), when(k.lastUsedAt), k.lastClient ?? "-"]), [64, 60, 19, 19, 40]));
    return 0;
  },
};

export const tokenRevoke: Command = {
  path: ["token", "revoke"],
  summary: "Revoke a client token; its MCP sessions end at once",
  usage: "NAME",
  args: { min: 1, max: 1 },
  async run(ctx) {
    const name = ctx.positionals[0]!;
    const t = await ctx.target({ write: true });
    const r = t.kind === "daemon" ? await t.client.revokeClientToken(name) : t.services.clientTokens.revoke(name, { actor: "cli" });
    if (ctx.json) printJson(ctx.io, r);
    else ctx.io.out(`Client token '${clean(r.name)}' revoked.`);
    return 0;
  },
};
