defmodule OpenSentience.Boot do
  @moduledoc """
  Starts a compiled agent without Mix: what the core runs (its "lean launch")
  when the agent's build output is present, instead of `mix opensentience.agent`
  or `mix run --no-halt`.

      erl -noshell -pa <ebin dirs> -s Elixir.OpenSentience.Boot agent my_app [Elixir.MyApp.Agent]
      erl -noshell -pa <ebin dirs> -s Elixir.OpenSentience.Boot app my_app

  `agent` does what `mix opensentience.agent` does after Mix compiled the
  project (start the application permanently, then the agent unless the
  application started it); `app` does what `mix run --no-halt` does (start the
  application). Neither loads Mix or the compiler; the project's
  `config/config.exs` and `config/runtime.exs`, when present, are read with
  `Config.Reader` (the one case that loads Elixir's evaluator), as Mix would.

  Failures print one line on stderr and halt the VM with status 2 (bad setup:
  missing environment, no agent module) or 1 (the application or agent did not
  start).
  """

  alias OpenSentience.Agent.Config

  @doc "`-s` entry point: starts `app`, then its agent (the `mix opensentience.agent` equivalent)."
  @spec agent([atom()]) :: :ok
  def agent([app | name]) do
    boot(fn ->
      {socket, agent_id, token} = read_env!()
      start_app!(app)

      unless OpenSentience.Agent.running?() do
        case find_agent(app, List.first(name)) do
          {:ok, agent} ->
            System.delete_env("OPENSENTIENCE_TOKEN")
            start_agent!(agent, socket: socket, agent_id: agent_id, token: token)

          {:error, message} ->
            fail(2, message)
        end
      end
    end)
  end

  @doc "`-s` entry point: starts `app` (the `mix run --no-halt` equivalent)."
  @spec app([atom()]) :: :ok
  def app([app]), do: boot(fn -> start_app!(app) end)

  @doc """
  The agent module: `name` when given (it must use `OpenSentience.Agent`),
  else the single module of `app` that does.
  """
  @spec find_agent(atom(), atom() | String.t() | nil) :: {:ok, module()} | {:error, String.t()}
  def find_agent(_app, name) when is_binary(name) or (is_atom(name) and name != nil) do
    agent = if is_binary(name), do: Module.concat([name]), else: name

    if Code.ensure_loaded?(agent) and function_exported?(agent, :__opensentience_agent__, 0),
      do: {:ok, agent},
      else: {:error, "#{inspect(agent)} is not a module that uses OpenSentience.Agent"}
  end

  def find_agent(app, nil) do
    case OpenSentience.Agent.find_agents(app) do
      [agent] -> {:ok, agent}
      [] -> {:error, "no module in :#{app} uses OpenSentience.Agent"}
      many -> {:error, "several agents in :#{app} (#{Enum.map_join(many, ", ", &inspect/1)}); pass --agent"}
    end
  end

  @doc "Starts `agent` under the SDK's agent supervisor."
  @spec start_agent(module(), keyword()) :: :ok | {:error, String.t()}
  def start_agent(agent, opts) do
    case DynamicSupervisor.start_child(OpenSentience.AgentSupervisor, {agent, opts}) do
      {:ok, _pid} -> :ok
      {:error, reason} -> {:error, "could not start #{inspect(agent)}: #{inspect(reason)}"}
    end
  end

  defp start_agent!(agent, opts) do
    with {:error, message} <- start_agent(agent, opts), do: fail(1, message)
  end

  # Runs in the init process (`-s`): anything raised would end the VM with an
  # unreadable "Init terminating in do_boot" crash dump, so it becomes one line.
  defp boot(fun) do
    fun.()
    :ok
  rescue
    e -> fail(1, "agent boot failed: " <> Exception.message(e))
  catch
    kind, reason -> fail(1, "agent boot failed: #{inspect({kind, reason})}")
  end

  defp read_env! do
    {socket, agent_id, token} = env = Config.from_env()
    missing = for {nil, name} <- Enum.zip([socket, agent_id, token], Config.env_vars()), do: name

    if missing != [] do
      fail(2, "missing environment variable(s) #{Enum.join(missing, ", ")}; the OpenSentience core sets them")
    end

    env
  end

  # As `mix run` in prod: the project's config, then its runtime config, then
  # the application and its dependencies, permanent (the VM stops if it dies).
  defp start_app!(app) do
    load_config!()

    case Application.ensure_all_started(app, :permanent) do
      {:ok, _} -> :ok
      {:error, {failed, reason}} -> fail(1, "could not start :#{failed}: #{inspect(reason)}")
    end
  end

  defp load_config! do
    files = Enum.filter(["config/config.exs", "config/runtime.exs"], &File.regular?/1)

    for file <- files do
      file
      |> Elixir.Config.Reader.read!(env: :prod, target: :host)
      |> Application.put_all_env(persistent: true)
    end

    :ok
  end

  defp fail(status, message) do
    IO.puts(:stderr, message)
    System.halt(status)
  end
end
