defmodule Mix.Tasks.Opensentience.Agent do
  @shortdoc "Runs this project's agent, connected to the OpenSentience core"

  @moduledoc """
  Runs the agent of the current project, connected to the OpenSentience core.

      mix opensentience.agent [--agent MyApp.Agent]

  This is what the core runs for a manifest entrypoint
  `{"type": "mix", "task": "opensentience.agent"}` when the agent's build
  output is missing or mix is asked for (`"runtime": {"launch": "mix"}`, or a
  local checkout in dev mode); otherwise the core starts the compiled code
  without Mix, through `OpenSentience.Boot`, which does the same. It needs the environment the
  core's launcher sets:

    * `OPENSENTIENCE_SOCKET` - path of the core's Unix socket
    * `OPENSENTIENCE_AGENT_ID` - the agent's id
    * `OPENSENTIENCE_TOKEN` - the single-use launch token

  and exits with status 2 when one is missing. It then starts the project's
  application, starts the agent (unless the application already did, see
  `OpenSentience.Agent`), and blocks. The VM stops when the core closes the
  connection.

  The agent is the module given with `--agent`, else the single module of the
  project's application that uses `OpenSentience.Agent`.

  ## Listing the tools

      mix opensentience.agent --list-tools [--agent MyApp.Agent]

  compiles the project, loads the agent module (without starting the
  application or connecting) and prints the tools it would register, one
  line each, then a line with their count and the agent module:

      OPENSENTIENCE_TOOL {"description":"Greets someone.","name":"greet","permissions":[]}
      OPENSENTIENCE_TOOLS 1 MyApp.Agent

  for
  `opensentience agents test` and `opensentience agents validate --tools`,
  which compare them with the manifest's `tool_summary`. It needs none of the
  environment variables.
  """

  use Mix.Task

  alias OpenSentience.Agent.Config

  @impl Mix.Task
  def run(args) do
    case parse_args(args) do
      {agent_name, true} -> list_tools(agent_name)
      {agent_name, false} -> run_agent(agent_name)
    end
  end

  # The markers let the caller find the lines among compiler output; the count
  # tells it the listing is complete.
  defp list_tools(agent_name) do
    Mix.Task.run("compile")
    agent = find_agent(agent_name)

    case OpenSentience.Agent.tools(agent) do
      {:ok, tools} ->
        for tool <- tools do
          summary = Map.take(tool, [:name, :description, :permissions])
          Mix.shell().info("OPENSENTIENCE_TOOL " <> OpenSentience.JSON.encode!(summary))
        end

        Mix.shell().info("OPENSENTIENCE_TOOLS #{length(tools)} #{inspect(agent)}")

      {:error, message} ->
        fail(1, message)
    end
  end

  defp run_agent(agent_name) do
    {socket, agent_id, token} = read_env()

    Mix.Task.run("app.start")

    unless OpenSentience.Agent.running?() do
      agent = find_agent(agent_name)
      System.delete_env("OPENSENTIENCE_TOKEN")
      start(agent, socket: socket, agent_id: agent_id, token: token)
    end

    unless iex_running?(), do: Process.sleep(:infinity)
  end

  defp parse_args(args) do
    case OptionParser.parse(args, strict: [agent: :string, list_tools: :boolean]) do
      {opts, [], []} -> {opts[:agent], Keyword.get(opts, :list_tools, false)}
      _ -> fail(2, "usage: mix opensentience.agent [--agent MyApp.Agent] [--list-tools]")
    end
  end

  defp read_env do
    {socket, agent_id, token} = env = Config.from_env()
    missing = for {nil, name} <- Enum.zip([socket, agent_id, token], Config.env_vars()), do: name

    if missing != [] do
      fail(
        2,
        "mix opensentience.agent: missing environment variable(s) #{Enum.join(missing, ", ")}; " <>
          "this task is started by the OpenSentience core, which sets them"
      )
    end

    env
  end

  # The same lookup and start as the core's compiled launch (OpenSentience.Boot).
  defp find_agent(name) do
    app = Mix.Project.config()[:app]

    if is_nil(app) and is_nil(name),
      do: fail(2, "no application in this project; pass --agent MyApp.Agent")

    case OpenSentience.Boot.find_agent(app, name) do
      {:ok, agent} -> agent
      {:error, message} -> fail(2, message)
    end
  end

  defp start(agent, opts) do
    with {:error, message} <- OpenSentience.Boot.start_agent(agent, opts), do: fail(1, message)
  end

  defp iex_running?, do: Code.ensure_loaded?(IEx) and IEx.started?()

  defp fail(status, message) do
    Mix.shell().error(message)
    exit({:shutdown, status})
  end
end
