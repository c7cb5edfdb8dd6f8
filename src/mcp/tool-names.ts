/**
 * MCP tool names for our tool ids, stable and reversible. Pure.
 *
 * MCP clients differ in what they accept as a tool name; `^[a-zA-Z0-9_-]{1,64}$`
 * is what all of them accept. Our ids are `<agent_id>/<tool>`: the agent id is
 * `[a-z0-9_.-]` (reverse-DNS, no two dots in a row, no leading or trailing dot)
 * and the tool name `[a-z][a-z0-9_]{0,63}`, so no id holds an uppercase
 * letter, and uppercase letters can serve as escapes:
 *
 *   agent id:   `.` → `_`,  `_` → `U`,  other characters as they are
 *   separator:  `/` → `__`
 *   tool name:  as it is
 *
 *   com.opensentience.examples.echo/slow_count → com_opensentience_examples_echo__slow_count
 *   com.example.my_agent/read                  → com_example_myUagent__read
 *
 * Decoding splits at the first `__` (the encoded agent id never contains `__`
 * and never ends with `_`, because agent ids have no `..` and no trailing
 * dot), then maps `_` → `.` and `U` → `_` in the agent part.
 *
 * A name longer than 64 characters is cut to its first 54 characters plus
 * `H` and 9 hex digits of the SHA-256 of the full id (64 characters in all).
 * `H` never occurs otherwise, so such a name is recognisable; it is resolved
 * by looking it up among the current tools.
 */
import { createHash } from "node:crypto";
import { GLOBAL_TOOL_ID_PATTERN } from "../protocol/message-fields.ts";

export const MCP_NAME_MAX = 64;
export const MCP_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const HASH_MARK = "H";
const HASH_HEX = 9;

/** The full (uncut) encoding of a tool id. */
function encodeFull(toolId: string): string {
  const slash = toolId.lastIndexOf("/");
  const agent = toolId.slice(0, slash).replace(/[._]/g, (c) => (c === "." ? "_" : "U"));
  return `${agent}__${toolId.slice(slash + 1)}`;
}

/** The MCP name of the tool id `<agent_id>/<tool>`. */
export function mcpToolName(toolId: string): string {
  const full = encodeFull(toolId);
  if (full.length <= MCP_NAME_MAX) return full;
  const hash = createHash("sha256").update(toolId).digest("hex").slice(0, HASH_HEX);
  return `${full.slice(0, MCP_NAME_MAX - 1 - HASH_HEX)}${HASH_MARK}${hash}`;
}

/** True when the name was cut and hashed: it can only be resolved against a tool list. */
export function isHashedName(name: string): boolean {
  return name.includes(HASH_MARK);
}

/**
 * The tool id an MCP name stands for, or null when it is not a name this
 * mapping produces. Hashed names are resolved among `known` tool ids.
 */
export function toolIdOfMcpName(name: string, known: Iterable<string> = []): string | null {
  if (!MCP_NAME_PATTERN.test(name)) return null;
  if (isHashedName(name)) {
    for (const id of known) if (mcpToolName(id) === name) return id;
    return null;
  }
  const sep = name.indexOf("__");
  if (sep <= 0) return null;
  const agent = name.slice(0, sep).replace(/[_U]/g, (c) => (c === "_" ? "." : "_"));
  const id = `${agent}/${name.slice(sep + 2)}`;
  // Only ids our grammar allows, and only names that encode back to themselves (one name per id).
  return GLOBAL_TOOL_ID_PATTERN.test(id) && mcpToolName(id) === name ? id : null;
}
