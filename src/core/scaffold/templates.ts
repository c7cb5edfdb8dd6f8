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

/** Relative path → contents. `sdkFallback` is used when OPENSENTIENCE_SDK_PATH is unset. */
export function scaffoldFiles(n: AgentNames, sdkFallback: string): Record<string, string> {
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

  # The core sets OPENSENTIENCE_SDK_PATH when it builds an installed agent; the
  # fallback is the SDK that \`opensentience agents new\` found when it created
  # this project.
  defp deps do
    [
      {:opensentience_agent_sdk,
       path: System.get_env("OPENSENTIENCE_SDK_PATH") || ${elixirString(sdkFallback)}}
    ]
  end
end
`,

    [`lib/${n.app}.ex`]: `defmodule ${m} do
  @moduledoc """
  ${n.title}: an OpenSentience agent.

  The core runs it with \`mix opensentience.agent\`, which finds this module.
  Add a tool: write a module with \`use OpenSentience.Tool\`, list it below and
  in \`tool_summary\` in ${MANIFEST_FILENAME}.
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
    assert {:error, %{"code" => "invalid_arguments"}} = Testing.call_tool(${m}.Tools.Greet, %{})
  end

  test "the manifest lists the agent's tools" do
    manifest = "${MANIFEST_FILENAME}" |> File.read!() |> OpenSentience.JSON.decode!()
    {:ok, tool} = OpenSentience.Tool.descriptor(${m}.Tools.Greet)
    assert Enum.map(manifest["tool_summary"], & &1["name"]) == [tool.name]
    assert manifest["version"] == Mix.Project.config()[:version]
  end
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
in the agent's \`tools:\` list, and a line in \`tool_summary\` in the manifest.
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
