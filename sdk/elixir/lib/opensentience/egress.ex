defmodule OpenSentience.Egress do
  @moduledoc false
  # Network access for an agent in a sandbox with approved hosts.
  #
  # The core runs such an agent in its own network namespace with only
  # loopback, and offers an allow-listing HTTP proxy (CONNECT + absolute-form
  # http) on a Unix socket that it mounts into the sandbox and names in
  # OPENSENTIENCE_EGRESS_SOCKET. HTTP clients speak to proxies over TCP, so
  # this supervisor bridges: a listener on 127.0.0.1 (an ephemeral port, inside
  # the sandbox's own loopback) whose every accepted connection is piped, byte
  # for byte, to the Unix socket (OpenSentience.Egress.Pipe). Once listening it
  # points HTTP_PROXY/HTTPS_PROXY (both cases) and :httpc's default profile at
  # that port; OpenSentience.HTTP is the documented client on top.
  #
  # Started by OpenSentience.Application before any agent connects; without
  # the variable (or a `:socket` option) start_link/1 returns :ignore and
  # nothing runs. The pipes are temporary tasks under a Task.Supervisor; if the
  # listener dies, both are restarted together and the settings follow the new
  # port.

  use Supervisor

  @env "OPENSENTIENCE_EGRESS_SOCKET"

  @doc "The environment variable the core's launcher sets."
  @spec env_var() :: String.t()
  def env_var, do: @env

  @doc """
  Starts the bridge when an egress socket is configured, else `:ignore`.

  Options: `:socket` (instead of the environment), `:name` (default
  `OpenSentience.Egress`), `:configure` (default `true`: set the proxy
  environment variables, `:httpc` and `OpenSentience.HTTP.proxy_url/0`),
  `:max_connections` (default 256), `:connect_timeout_ms` (default 10 000).
  """
  @spec start_link(keyword()) :: Supervisor.on_start() | :ignore
  def start_link(opts \\ []) do
    case Keyword.get_lazy(opts, :socket, &socket_from_env/0) do
      path when is_binary(path) and path != "" ->
        name = Keyword.get(opts, :name, __MODULE__)

        Supervisor.start_link(__MODULE__, Keyword.merge(opts, socket: path, name: name),
          name: name
        )

      _ ->
        :ignore
    end
  end

  @doc false
  def child_spec(opts) do
    %{id: __MODULE__, start: {__MODULE__, :start_link, [opts]}, type: :supervisor}
  end

  @doc "The Unix socket path from the environment, or nil."
  @spec socket_from_env() :: String.t() | nil
  def socket_from_env do
    case System.get_env(@env) do
      "" -> nil
      value -> value
    end
  end

  @impl true
  def init(opts) do
    pipes = Module.concat(opts[:name], Pipes)

    children = [
      {Task.Supervisor, name: pipes, max_children: Keyword.get(opts, :max_connections, 256)},
      {OpenSentience.Egress.Listener, Keyword.put(opts, :pipes, pipes)}
    ]

    Supervisor.init(children, strategy: :one_for_all)
  end
end
