defmodule OpenSentience do
  @moduledoc """
  Elixir SDK for OpenSentience agents.

  An agent is an OS process started by the OpenSentience core. It connects back
  to the core over a Unix domain socket, registers its tools, serves tool calls
  (and, optionally, chat turns) and exits when the core closes the connection.

  The pieces an agent author uses:

    * `OpenSentience.Tool` - one module per tool (`use OpenSentience.Tool`);
    * `OpenSentience.Agent` - the agent: which tools, which chat handler;
    * `OpenSentience.ChatHandler` - optional, for agents with the `chat` capability;
    * `OpenSentience.Context` - progress, cancellation, calling other tools, logs;
    * `mix opensentience.agent` - the entrypoint the core runs;
    * `OpenSentience.Testing` - run tools in unit tests without a core.

  See the README for a complete agent.
  """

  @version Mix.Project.config()[:version]
  @levels %{debug: "debug", info: "info", warn: "warn", warning: "warn", error: "error"}

  @doc "The SDK version, sent to the core in `hello`."
  @spec sdk_version() :: String.t()
  def sdk_version, do: @version

  @doc """
  Sends a `log` frame to the core from anywhere in the agent.

  `level` is `:debug`, `:info`, `:warn` (or `:warning`) or `:error`; `fields` a
  JSON-encodable map. Inside a tool call prefer `OpenSentience.Context.log/4`,
  which ties the entry to the call. Returns `{:error, :not_connected}` when no
  agent connection is running.

  Options: `:connection` - the connection's registered name (only needed when
  the agent was started with a custom `:name`).
  """
  @spec log(atom(), String.t(), map(), keyword()) :: :ok | {:error, :not_connected}
  def log(level, message, fields \\ %{}, opts \\ []) do
    payload = log_payload(level, message, fields)
    name = Keyword.get(opts, :connection, OpenSentience.Agent.Connection)

    # Encode here, in the caller, so a bad `fields` value fails the caller and
    # never the connection process.
    _ = OpenSentience.JSON.encode!(payload)

    case GenServer.whereis(name) do
      nil -> {:error, :not_connected}
      pid -> OpenSentience.Agent.Wire.cast(pid, {:log, payload})
    end
  end

  @doc false
  @spec log_payload(atom(), String.t(), map()) :: map()
  def log_payload(level, message, fields) when is_binary(message) and is_map(fields) do
    wire_level =
      Map.get(@levels, level) ||
        raise ArgumentError,
              "log level must be one of #{inspect(Map.keys(@levels))}, got: #{inspect(level)}"

    OpenSentience.Protocol.log_payload(wire_level, message, fields)
  end
end
