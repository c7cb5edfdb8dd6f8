defmodule OpenSentience.Agent do
  @moduledoc """
  Declares an agent: its tools and, optionally, its chat handler.

      defmodule MyAgent do
        use OpenSentience.Agent,
          tools: [MyAgent.Tools.Greet, MyAgent.Tools.Count],
          chat: MyAgent.Chat
      end

  Options:

    * `:tools` - tool modules (`use OpenSentience.Tool`). Default `[]`.
    * `:chat` - a module implementing `OpenSentience.ChatHandler`; adds the
      `chat` capability.
    * `:version` - the agent version sent in `hello`. Default: the `:version`
      of the Mix project that compiles the module.
    * `:capabilities` - override the capabilities sent in `hello`. Default:
      derived (`tools`, `streaming`, `cancellation`, `chat`; see the README).

  ## Running it

  The core starts an agent with three environment variables:
  `OPENSENTIENCE_SOCKET`, `OPENSENTIENCE_AGENT_ID` and `OPENSENTIENCE_TOKEN`.
  Two entrypoints use them:

    * `mix opensentience.agent` (manifest entrypoint `{"type": "mix"}`) starts
      your application, then the agent module it finds in your project (or the
      one given with `--agent`), and blocks. Nothing else is needed.
    * `mix run --no-halt` (entrypoint `{"type": "mix_run"}`): put the agent
      module last in your application's supervision tree:

          children = [MyAgent.Repo, MyAgent]

      The child connects when the environment variables are set and does
      nothing (`:ignore`) when none is, so `iex -S mix` and `mix test` work as
      usual. With the child in place, `mix opensentience.agent` works too (it
      sees the running connection and just waits).

  Either way there is one connection per OS process. When it closes (the core
  sent `shutdown`, closed the socket, or died), the VM stops: an agent never
  outlives its connection.

  ## Start options

  `start_link/1` and `child_spec/1` accept, for tests and special setups:
  `:socket`, `:agent_id`, `:token` (instead of the environment), `:name` (the
  connection's registered name, default `OpenSentience.Agent.Connection`),
  `:halt` (default `true`; `false` stops only the agent's processes when the
  connection ends), `:cancel_grace_ms` (default 2000: how long a canceled call
  may take to stop before it is killed) and `:handshake_timeout_ms`.
  """

  alias OpenSentience.Agent.{Config, Spec}

  @options [:tools, :chat, :version, :capabilities]

  @doc false
  defmacro __using__(opts) do
    unknown = Keyword.keys(opts) -- @options

    if unknown != [] do
      raise ArgumentError,
            "unknown option(s) #{inspect(unknown)} in use OpenSentience.Agent; known: #{inspect(@options)}"
    end

    version = if Code.ensure_loaded?(Mix.Project), do: Mix.Project.config()[:version], else: nil

    quote do
      @opensentience_agent_opts Keyword.put_new(unquote(opts), :version, unquote(version))

      @doc false
      def __opensentience_agent__, do: @opensentience_agent_opts

      @doc "Child spec to run this agent under a supervisor (see `OpenSentience.Agent`)."
      def child_spec(opts), do: OpenSentience.Agent.child_spec(__MODULE__, opts)

      @doc "Starts this agent (see `OpenSentience.Agent`)."
      def start_link(opts \\ []), do: OpenSentience.Agent.start_link(__MODULE__, opts)

      defoverridable child_spec: 1

      @before_compile OpenSentience.Agent
    end
  end

  @doc false
  # The earliest tool_summary check: a compile warning (never an error) when the
  # project's manifest lists other tools than this agent declares. Recompiled
  # when the manifest changes. Anything unusual (no Mix project, no manifest, a
  # tool that does not compile) skips it; the runtime and tests report those.
  defmacro __before_compile__(env) do
    with true <- Code.ensure_loaded?(Mix.Project),
         mix_exs when is_binary(mix_exs) <- Mix.Project.project_file(),
         manifest = Path.join(Path.dirname(mix_exs), "opensentience.agent.json"),
         true <- File.regular?(manifest),
         opts when is_list(opts) <- Module.get_attribute(env.module, :opensentience_agent_opts),
         tools when is_list(tools) <- Keyword.get(opts, :tools, []),
         {:ok, names} <- declared_names(tools) do
      Module.put_attribute(env.module, :external_resource, manifest)

      case OpenSentience.ToolSummary.compare(
             names,
             Path.relative_to_cwd(manifest),
             inspect(env.module)
           ) do
        :ok -> :ok
        {:error, message} -> IO.warn(message, Macro.Env.stacktrace(env))
      end
    end

    nil
  rescue
    _ -> nil
  end

  defp declared_names(tools) do
    Enum.reduce_while(tools, {:ok, []}, fn tool, {:ok, acc} ->
      with true <- is_atom(tool),
           {:module, _} <- Code.ensure_compiled(tool),
           {:ok, d} <- OpenSentience.Tool.descriptor(tool) do
        {:cont, {:ok, acc ++ [d.name]}}
      else
        _ -> {:halt, :skip}
      end
    end)
  end

  @doc "Child spec that runs `agent` (a module using `OpenSentience.Agent`)."
  @spec child_spec(module(), keyword()) :: Supervisor.child_spec()
  def child_spec(agent, opts) do
    %{
      id: agent,
      start: {__MODULE__, :start_link, [agent, opts]},
      type: :supervisor,
      restart: :temporary
    }
  end

  @doc """
  Starts `agent` and connects it to the core.

  Returns `:ignore` when neither `opts` nor the environment say where the core
  is, and `{:error, {:missing, names}}` when only some of the settings are there.
  """
  @spec start_link(module(), keyword()) :: Supervisor.on_start() | :ignore
  def start_link(agent, opts \\ []) do
    with {:ok, spec} <- Spec.load(agent),
         {:ok, config} <- Config.resolve(opts) do
      OpenSentience.Agent.Supervisor.start_link(spec, config)
    else
      :disabled -> :ignore
      {:error, reason} -> {:error, reason}
    end
  end

  @doc """
  True when an agent connection is running in this VM (under the default
  connection name, or `name`).
  """
  @spec running?(atom()) :: boolean()
  def running?(name \\ OpenSentience.Agent.Connection), do: GenServer.whereis(name) != nil

  @doc """
  The tools `agent` declares, as the `tools.register` descriptors the core
  receives (atom keys, in declaration order), or what is wrong with the
  declaration. `OpenSentience.Testing.check_tool_summary/2` and
  `mix opensentience.agent --list-tools` use it.
  """
  @spec tools(module()) :: {:ok, [map()]} | {:error, String.t()}
  def tools(agent) do
    case Spec.load(agent) do
      {:ok, spec} -> {:ok, spec.descriptors}
      {:error, {:invalid_agent, message}} -> {:error, message}
    end
  end

  @doc """
  Finds the modules that use `OpenSentience.Agent` among `app`'s modules.
  """
  @spec find_agents(atom()) :: [module()]
  def find_agents(app) do
    _ = Application.load(app)

    app
    |> Application.spec(:modules)
    |> List.wrap()
    |> Enum.filter(fn mod ->
      Code.ensure_loaded?(mod) and function_exported?(mod, :__opensentience_agent__, 0)
    end)
  end
end
