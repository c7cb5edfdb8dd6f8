import { type AuditEvent, parseSince } from "../core/audit/audit-log.ts";
import { AppError } from "../core/errors.ts";
import { type Command, intOption, stringOption } from "./command.ts";
import { clean, printJson, table } from "./output.ts";
import { resolveAgentFilter } from "./agent-ref.ts";
import { shownOutcome } from "../core/audit/shown-outcome.ts";

export const audit: Command = {
  path: ["audit"],
  summary: "Show the audit log, newest first",
  usage: "[--agent ID] [--action A] [--since T] [--correlation ID] [--limit N]",
  options: {
    agent: { type: "string", description: "Only rows about this agent" },
    action: { type: "string", description: "Only this action (e.g. agent.enable)" },
    since: { type: "string", description: "Only rows newer than T (ISO time or an age like 30m, 2h, 7d)" },
    correlation: { type: "string", description: "Only rows with this correlation id" },
    limit: { type: "string", description: "Show at most N rows" },
  },
  async run(ctx) {
    const sinceRaw = stringOption(ctx.values, "since");
    const since = sinceRaw === undefined ? undefined : parseSince(sinceRaw, Date.now());
    if (since === null) throw new AppError("usage", `--since must be an ISO time or an age like 30m, 2h, 7d; got ${JSON.stringify(sinceRaw)}`);
    const filter = {
      agentId: stringOption(ctx.values, "agent"),
      action: stringOption(ctx.values, "action"),
      correlationId: stringOption(ctx.values, "correlation"),
      since,
      limit: intOption(ctx.values, "limit", 1, 10_000) ?? 50,
    };
    const t = await ctx.target({ write: false });
    if (filter.agentId !== undefined) filter.agentId = await resolveAgentFilter(t, filter.agentId);
    let events: AuditEvent[] = [];
    if (t.kind === "local") events = t.services.audit.query(filter);
    else {
      // The API pages by 1,000 at most, newest first: follow `next_before`.
      let before: number | undefined;
      while (events.length < filter.limit) {
        const page = await t.client.audit({ agent: filter.agentId, action: filter.action, correlation: filter.correlationId, since: filter.since, before, limit: Math.min(1000, filter.limit - events.length) });
        events = events.concat(page.events);
        if (page.next_before === null) break;
        before = page.next_before;
      }
    }
    if (ctx.json) {
      printJson(ctx.io, { events });
      return 0;
    }
    if (events.length === 0) {
      ctx.io.out("No audit events match.");
      return 0;
    }
    ctx.io.out(
      table(
        ["TIME", "ACTOR", "ACTION", "AGENT", "OUTCOME", "DETAILS"],
        events.map((e) => [e.at.replace("T", " ").slice(0, 19), e.actor, e.action, e.agentId ?? "", shownOutcome(e), clean(JSON.stringify(e.details))]),
        [19, 6, 28, 40, 8, 80],
      ),
    );
    return 0;
  },
};
