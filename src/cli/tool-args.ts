/** Tool arguments on the command line: `--args JSON`, `--args-file FILE`, `--arg NAME=VALUE`, checked against the tool's schema. */
import { AppError } from "../core/errors.ts";
import { argumentProblem, argumentRows, argumentsFromPairs } from "../core/runtime/tool-arguments.ts";
import type { Values } from "./command.ts";
import type { ToolListing } from "./tool-ref.ts";

export interface GivenArguments {
  /** The JSON object from --args or --args-file, if given. */
  json: unknown;
  pairs: string[];
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError("usage", `${what} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function argumentsGiven(values: Values): Promise<GivenArguments> {
  const inline = typeof values.args === "string" ? values.args : undefined;
  const file = typeof values["args-file"] === "string" ? values["args-file"] : undefined;
  if (inline !== undefined && file !== undefined) throw new AppError("usage", "give --args or --args-file, not both");
  let json: unknown;
  if (inline !== undefined) json = parseJson(inline, "--args");
  if (file !== undefined) {
    let text: string;
    try {
      text = file === "-" ? await Bun.stdin.text() : await Bun.file(file).text();
    } catch (e) {
      throw new AppError("usage", `cannot read --args-file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    json = parseJson(text, `--args-file ${file}`);
  }
  const pairs = Array.isArray(values.arg) ? values.arg : [];
  return { json, pairs };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The argument object to send: JSON and pairs merged (pairs win), coerced to the schema's types and checked against it. */
export function checkedArguments(tool: Pick<ToolListing, "id" | "inputSchema">, given: GivenArguments): unknown {
  let args = given.json ?? {};
  if (given.pairs.length) {
    if (!isObject(args)) throw new AppError("usage", "--arg adds to a JSON object; --args is not one");
    args = argumentsFromPairs(given.pairs, tool.inputSchema, args);
  }
  const problem = argumentProblem(tool.inputSchema, args);
  if (problem) throw new AppError("invalid_argument", `${tool.id}: ${problem} (see: opensentience tools info ${tool.id})`);
  return args;
}

/** `text [count]`: the arguments column of `tools list` (optional ones in brackets). */
export function argumentSummary(schema: Record<string, unknown>): string {
  const rows = argumentRows(schema);
  return rows.length ? rows.map((r) => (r.required ? r.name : `[${r.name}]`)).join(" ") : "-";
}
