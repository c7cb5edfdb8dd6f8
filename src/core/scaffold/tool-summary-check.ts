/**
 * Does the manifest's `tool_summary` name exactly the tools the agent
 * registers? The registered tools come from the compiled agent:
 * `mix opensentience.agent --list-tools` (SDK) prints one
 * `OPENSENTIENCE_TOOL {json}` line per tool and a closing
 * `OPENSENTIENCE_TOOLS <count> <agent module>` line. That output comes from
 * the agent's own code, so it is parsed as untrusted input; a missing or
 * incomplete listing is "unchecked", never a guess.
 */
import { z } from "zod";

export const LIST_TOOLS_COMMAND: readonly string[] = ["mix", "opensentience.agent", "--list-tools"];

export interface ToolSummaryCheck {
  /** `unchecked`: the agent's tools could not be listed (see `message`). */
  status: "matches" | "mismatch" | "unchecked";
  /** Registered by the agent, absent from tool_summary. */
  missing: string[];
  /** In tool_summary, not registered by the agent. */
  extra: string[];
  /** One line saying what was found, naming every missing and extra tool. */
  message: string;
}

const toolLineSchema = z.object({ name: z.string().min(1).max(128) }).loose();
const TOOL_PREFIX = "OPENSENTIENCE_TOOL ";
const END_RE = /^OPENSENTIENCE_TOOLS (\d{1,4}) (\S{1,256})$/;

/** Collects the listing from output lines (fed one by one); `result()` is null until the closing line was seen and agrees. */
export class ToolListing {
  private names: string[] = [];
  private agent: string | null = null;
  private bad: string | null = null;

  line(raw: string): void {
    const line = raw.trim();
    if (line.startsWith(TOOL_PREFIX)) {
      try {
        const t = toolLineSchema.safeParse(JSON.parse(line.slice(TOOL_PREFIX.length)));
        if (t.success) this.names.push(t.data.name);
        else this.bad = "a tool line without a name";
      } catch {
        this.bad = "a tool line that is not JSON";
      }
      return;
    }
    const end = END_RE.exec(line);
    if (end) {
      if (Number(end[1]) !== this.names.length) this.bad = `the listing announced ${end[1]} tools but printed ${this.names.length}`;
      this.agent = end[2]!;
    }
  }

  /** The agent module and its tool names, or why the listing is unusable. */
  result(): { agent: string; names: string[] } | { error: string } {
    if (this.bad) return { error: `unreadable tool listing: ${this.bad}` };
    if (!this.agent) return { error: "the agent printed no tool listing" };
    return { agent: this.agent, names: [...this.names] };
  }
}

/** Compares the names the manifest lists with the names the agent registers. */
export function compareToolSummary(listed: readonly string[], registered: readonly string[], agent = "the agent"): ToolSummaryCheck {
  const l = new Set(listed);
  const r = new Set(registered);
  const missing = [...r].filter((n) => !l.has(n));
  const extra = [...l].filter((n) => !r.has(n));
  if (!missing.length && !extra.length) return { status: "matches", missing, extra, message: `tool_summary matches the ${r.size} tool${r.size === 1 ? "" : "s"} ${agent} registers` };
  const parts = [
    ...(missing.length ? [`missing ${missing.join(", ")} (registered, not in tool_summary)`] : []),
    ...(extra.length ? [`extra ${extra.join(", ")} (in tool_summary, not registered)`] : []),
  ];
  return { status: "mismatch", missing, extra, message: `tool_summary does not match the tools ${agent} registers: ${parts.join("; ")}` };
}

export const uncheckedToolSummary = (why: string): ToolSummaryCheck => ({ status: "unchecked", missing: [], extra: [], message: `tool_summary not checked: ${why}` });
