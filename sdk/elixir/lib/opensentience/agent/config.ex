defmodule OpenSentience.Agent.Config do
  @moduledoc false
  # Connection settings of one agent process: where the core's socket is, who
  # we are, and how to behave when the connection ends. Comes from start
  # options, else from the environment the core's launcher sets.

  @env_socket "OPENSENTIENCE_SOCKET"
  @env_agent_id "OPENSENTIENCE_AGENT_ID"
  @env_token "OPENSENTIENCE_TOKEN"

  @enforce_keys [:socket, :agent_id, :token]
  defstruct [
    :socket,
    :agent_id,
    :token,
    name: OpenSentience.Agent.Connection,
    halt: true,
    cancel_grace_ms: 2_000,
    handshake_timeout_ms: 15_000
  ]

  @type t :: %__MODULE__{
          socket: String.t(),
          agent_id: String.t(),
          token: String.t(),
          name: atom(),
          halt: boolean(),
          cancel_grace_ms: non_neg_integer(),
          handshake_timeout_ms: pos_integer()
        }

  @doc "The environment variables the core's launcher sets."
  @spec env_vars() :: [String.t()]
  def env_vars, do: [@env_socket, @env_agent_id, @env_token]

  @doc """
  Resolves settings from `opts`, falling back to the environment.

  Returns `:disabled` when neither the options nor the environment name a
  socket, agent id or token (the agent is not being run by a core), and an
  error naming what is missing when only some are given. The token is removed
  from the environment once read, so subprocesses a tool starts never see it.
  """
  @spec resolve(keyword()) :: {:ok, t()} | :disabled | {:error, {:missing, [String.t()]}}
  def resolve(opts) do
    explicit? = Enum.any?([:socket, :agent_id, :token], &Keyword.has_key?(opts, &1))
    {socket, agent_id, token} = if explicit?, do: from_opts(opts), else: from_env()

    missing =
      for {value, name} <- [{socket, @env_socket}, {agent_id, @env_agent_id}, {token, @env_token}],
          blank?(value),
          do: name

    cond do
      length(missing) == 3 ->
        :disabled

      missing != [] ->
        {:error, {:missing, missing}}

      true ->
        if not explicit?, do: System.delete_env(@env_token)

        settings = Keyword.take(opts, [:name, :halt, :cancel_grace_ms, :handshake_timeout_ms])
        {:ok, struct!(__MODULE__, [socket: socket, agent_id: agent_id, token: token] ++ settings)}
    end
  end

  @doc "Reads the three variables from the environment (nil when unset or empty)."
  @spec from_env() :: {String.t() | nil, String.t() | nil, String.t() | nil}
  def from_env do
    {env(@env_socket), env(@env_agent_id), env(@env_token)}
  end

  defp from_opts(opts), do: {opts[:socket], opts[:agent_id], opts[:token]}

  defp env(name) do
    case System.get_env(name) do
      "" -> nil
      value -> value
    end
  end

  defp blank?(value), do: not is_binary(value) or value == ""
end
