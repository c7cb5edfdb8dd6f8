/**
 * From the NAME given to `agents new` to every name the project needs: the
 * directory, the OTP application, the Elixir module, the manifest id and the
 * display name. Pure; refuses names that would clash with Elixir or OTP.
 */
import { AppError } from "../errors.ts";
import { agentIdSchema } from "../manifest/schema.ts";

export interface AgentNames {
  /** Directory name and the NAME as typed: `my-agent`. */
  dir: string;
  /** OTP application: `my_agent`. */
  app: string;
  /** Top-level module: `MyAgent`. */
  module: string;
  /** Manifest id: `local.my-agent` unless given. */
  id: string;
  /** Display name: `My Agent`. */
  title: string;
}

/** Lowercase words of letters and digits joined by single `-` or `_`, starting with a letter. */
export const AGENT_NAME_RE = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;
const MAX_NAME = 64;

/** OTP and Elixir applications an agent's application must not be named after. */
const RESERVED_APPS = new Set(
  "asn1 common_test compiler crypto debugger dialyzer diameter edoc eex eldap elixir erl_interface erts et eunit ex_unit ftp iex inets jinterface kernel logger megaco mix mnesia observer odbc os_mon parsetools public_key reltool runtime_tools sasl snmp ssh ssl stdlib syntax_tools tftp tools wx xmerl opensentience_agent_sdk".split(" "),
);

/** Elixir's own top-level modules (and the SDK's): an agent module with one of these names would not compile. */
const RESERVED_MODULES = new Set(
  (
    "Access Agent Application ArgumentError ArithmeticError Atom Base Behaviour Bitwise Calendar Code Collectable Config Date DateTime Dict Duration DynamicSupervisor EEx Elixir Enum Enumerable ErlangError " +
    "Exception ExUnit File Float Function GenEvent GenServer HashDict HashSet IEx IO Inspect Integer JSON Kernel KeyError Keyword List Logger Macro Map MapSet MatchError Mix Module NaiveDateTime Node " +
    "OptionParser PartitionSupervisor Path Port Process Protocol Range Record Regex Registry RuntimeError Set Stream String StringIO Supervisor System Task Time URI Version OpenSentience Opensentience"
  ).split(" "),
);

function camelize(name: string): string {
  return name
    .split(/[-_]/)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

export function agentNames(name: string, id?: string): AgentNames {
  if (name.length > MAX_NAME || !AGENT_NAME_RE.test(name)) {
    const hint = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^[^a-z]+|-+$/g, "");
    throw new AppError(
      "usage",
      `invalid agent name ${JSON.stringify(name)}: use lowercase letters and digits, words joined by - or _, starting with a letter, at most ${MAX_NAME} characters${hint && AGENT_NAME_RE.test(hint) && hint !== name ? ` (e.g. ${hint})` : ""}`,
    );
  }
  const app = name.replaceAll("-", "_");
  const module = camelize(name);
  if (RESERVED_APPS.has(app) || RESERVED_MODULES.has(module)) {
    throw new AppError("usage", `agent name ${JSON.stringify(name)} clashes with Elixir's own ${RESERVED_APPS.has(app) ? `:${app} application` : `${module} module`}; pick another (e.g. ${name}-agent)`);
  }
  const agentId = id ?? `local.${name}`;
  const parsed = agentIdSchema.safeParse(agentId);
  if (!parsed.success) throw new AppError("usage", `invalid --id ${JSON.stringify(agentId)}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  const title = name
    .split(/[-_]/)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(" ");
  return { dir: name, app, module, id: agentId, title };
}

/** An Elixir double-quoted string literal (no interpolation). */
export function elixirString(s: string): string {
  return `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("#", "\\#").replaceAll("\n", "\\n")}"`;
}
