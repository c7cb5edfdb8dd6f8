/**
 * The files of a new agent project. It follows the SDK README exactly: a Mix
 * project with a path dependency on the SDK, one `use OpenSentience.Tool`
 * module, the agent module (`use OpenSentience.Agent`), an ExUnit test through
 * `OpenSentience.Testing`, and a manifest run with `mix opensentience.agent`.
 */
import { MANIFEST_FILENAME } from "../manifest/schema.ts";
import { type AgentNames, elixirString } from "./names.ts";

export const TOOL_NAME = "greet";

export function manifestFor(n: AgentNames): Record<string, unknown> {
  return {
    manifest_version: 1,
    id: n.id,
    name: n.title,
    version: "0.1.0",
    description: `${n.title}: an OpenSentience agent.`,
    entrypoint: { type: "mix", task: "opensentience.agent", args: [] },
    permissions: [],
    capabilities: ["tools"],
    keywords: [],
    tool_summary: [{ name: TOOL_NAME, description: "Greets someone by name" }],
  };
}

/**
 * Where a project finds the SDK when OPENSENTIENCE_SDK_PATH is unset. Never an
 * absolute path of the machine that ran `agents new`, so the project can be
 * committed and built elsewhere:
 * - `data_dir`: `$OPENSENTIENCE_HOME/sdk/elixir` (default `~/.opensentience`),
 *   the stable link `agents new` / `sdk path` keep to this binary's SDK;
 * - `relative`: a path from the project directory, for a project created
 *   inside an OpenSentience checkout (like examples/).
 */
export type SdkFallback = { kind: "data_dir" } | { kind: "relative"; path: string };

/** The Elixir expression mix.exs evaluates for the fallback. */
export function sdkFallbackExpr(f: SdkFallback): string {
  return f.kind === "relative"
    ? `Path.expand(${elixirString(f.path)}, __DIR__)`
    : `Path.expand("sdk/elixir", System.get_env("OPENSENTIENCE_HOME", "~/.opensentience"))`;
}

/** Relative path → contents. */
export function scaffoldFiles(n: AgentNames, sdkFallback: SdkFallback): Record<string, string> {
  const m = n.module;
  return {
    [MANIFEST_FILENAME]: `${JSON.stringify(manifestFor(n), null, 2)}\n`,

    "mix.exs": `defmodule ${m}.MixProject do
  use Mix.Project

  def project do
    [
      app: :${n.app},
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: deps()
    ]
  end

  def application do
    [extra_applications: [:logger]]
  end

  defp deps do
    [{:opensentience_agent_sdk, path: sdk_path()}]
  end

  # The OpenSentience Elixir SDK, a path dependency. The core sets
  # OPENSENTIENCE_SDK_PATH when it builds an installed agent; export it to use
  # another SDK. ${sdkFallback.kind === "relative" ? "Otherwise: the SDK of the OpenSentience checkout\n  # this project lives in." : "Otherwise: the SDK in opensentience's data directory\n  # ($OPENSENTIENCE_HOME/sdk/elixir, default ~/.opensentience), which\n  # `opensentience sdk path` writes out and prints."}
  defp sdk_path do
    default = ${sdkFallbackExpr(sdkFallback)}
    path = System.get_env("OPENSENTIENCE_SDK_PATH", default)

    unless File.regular?(Path.join(path, "mix.exs")) do
      Mix.raise(
        "no OpenSentience Elixir SDK at #{path}: run \`opensentience sdk path\` " <>
          "(writes it out and prints where), or set OPENSENTIENCE_SDK_PATH"
      )
    end

    path
  end
end
`,

    [`lib/${n.app}.ex`]: `defmodule ${m} do
  @moduledoc """
  ${n.title}: an OpenSentience agent.

  The core runs it with \`mix opensentience.agent\`, which finds this module.
  Add a tool: write a module with \`use OpenSentience.Tool\`, list it below and
  in \`tool_summary\` in ${MANIFEST_FILENAME} (\`mix test\` and
  \`opensentience agents test\` fail, naming the tool, until both agree).
  """

  use OpenSentience.Agent, tools: [${m}.Tools.Greet]
end
`,

    [`lib/${n.app}/tools/greet.ex`]: `defmodule ${m}.Tools.Greet do
  @moduledoc "Greets someone by name."

  use OpenSentience.Tool,
    input_schema: %{
      "type" => "object",
      "required" => ["name"],
      "properties" => %{"name" => %{"type" => "string", "minLength" => 1}}
    },
    output_schema: %{
      "type" => "object",
      "properties" => %{"greeting" => %{"type" => "string"}}
    }

  @impl true
  def call(%{"name" => name}, _ctx) when is_binary(name) and name != "",
    do: {:ok, %{greeting: "Hello, #{name}!"}}

  def call(_args, _ctx), do: {:error, :invalid_arguments, "name must be a non-empty string"}
end
`,

    "test/test_helper.exs": "ExUnit.start()\n",

    [`test/${n.app}_test.exs`]: `defmodule ${m}Test do
  use ExUnit.Case, async: true

  alias OpenSentience.Testing

  test "greet greets by name" do
    assert Testing.call_tool(${m}.Tools.Greet, %{"name" => "Ada"}) ==
             {:ok, %{"greeting" => "Hello, Ada!"}}
  end

  test "greet refuses a missing name" do
    assert {:error, error} = Testing.call_tool(${m}.Tools.Greet, %{})
    assert error["code"] == "invalid_arguments"
  end

  # The checks below cover every tool ${m} declares, however many there are.

  test "the manifest's tool_summary names exactly the agent's tools, and its version is the project's" do
    assert Testing.check_tool_summary(${m}, "${MANIFEST_FILENAME}") == :ok
    assert manifest()["version"] == Mix.Project.config()[:version]
  end

  {:ok, tools} = OpenSentience.Agent.tools(${m})

  for tool <- tools do
    @tool tool
    test "tool #{tool.name}: described, and listed in the manifest with its description" do
      assert @tool.description != "", "#{@tool.name}: add a @moduledoc or description:"
      entry = Enum.find(manifest()["tool_summary"], &(&1["name"] == @tool.name))
      assert entry, "#{@tool.name} is not in tool_summary in ${MANIFEST_FILENAME}"
      assert is_binary(entry["description"]) and entry["description"] != ""
    end
  end

  defp manifest, do: "${MANIFEST_FILENAME}" |> File.read!() |> OpenSentience.JSON.decode!()
end
`,

    ".formatter.exs": `[
  inputs: ["{mix,.formatter}.exs", "{lib,test}/**/*.{ex,exs}"]
]
`,

    ".gitignore": "/_build/\n/deps/\n/cover/\nerl_crash.dump\n*.ez\n",

    "README.md": `# ${n.title}

An OpenSentience agent (id \`${n.id}\`).

## Develop

\`\`\`sh
mix test                            # runs the tools in-process, no core needed
opensentience agents validate       # checks ${MANIFEST_FILENAME}
\`\`\`

The tool is in \`lib/${n.app}/tools/greet.ex\`; the agent module that lists the
tools is \`lib/${n.app}.ex\`. A new tool needs \`use OpenSentience.Tool\`, an entry
in the agent's \`tools:\` list, and a line in \`tool_summary\` in the manifest;
\`mix test\` (and \`opensentience agents test\`, \`agents validate --tools\`)
name any tool that is in one list and not the other.

The SDK is a path dependency (see \`mix.exs\`): \`OPENSENTIENCE_SDK_PATH\` when
set, else ${sdkFallback.kind === "relative" ? `the checkout's (\`${sdkFallback.path}\` from here)` : "the one in opensentience's data directory, which \`opensentience sdk path\` writes out"}.
Nothing in the project names a path of this machine.
Anything a tool needs (files, network, environment variables, other agents'
tools) is declared in the tool's \`permissions:\` and in the manifest's
\`permissions\`; the user approves them before the tool can be called.

## Run it under OpenSentience

Put this directory under a scan root (\`~/Projects\` by default, see
\`opensentience config show\`), then:

\`\`\`sh
opensentience discover              # the catalog now lists ${n.id}
opensentience agents info ${n.id}
\`\`\`

The core builds it with \`mix\` in the \`prod\` environment and starts it with
\`mix opensentience.agent\`; \`OPENSENTIENCE_SDK_PATH\` then points at the SDK
the core ships.
`,
  };
}
