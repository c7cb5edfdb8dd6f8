defmodule OpenSentience.Egress.Listener do
  @moduledoc false
  # Owns the loopback listening socket of the egress bridge and an acceptor
  # process linked to it. Each accepted connection is handed to a new
  # OpenSentience.Egress.Pipe task. With `configure: true` (the default), init
  # points the proxy environment variables, :httpc's default profile and
  # OpenSentience.HTTP at the port before returning, so everything started
  # after the SDK application sees a configured proxy.

  use GenServer

  require Logger

  alias OpenSentience.Egress.Pipe

  @env_vars ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]
  @url_key {OpenSentience.Egress, :proxy_url}

  @doc "The proxy variables set for libraries and subprocesses."
  @spec env_vars() :: [String.t()]
  def env_vars, do: @env_vars

  @doc "Where OpenSentience.HTTP.proxy_url/0 reads the URL."
  @spec url_key() :: term()
  def url_key, do: @url_key

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts)

  @impl true
  def init(opts) do
    Process.flag(:trap_exit, true)

    listen_opts = [
      :binary,
      ip: {127, 0, 0, 1},
      active: false,
      reuseaddr: true,
      exit_on_close: false,
      nodelay: true,
      backlog: 128
    ]

    case :gen_tcp.listen(0, listen_opts) do
      {:ok, lsock} ->
        {:ok, port} = :inet.port(lsock)
        url = "http://127.0.0.1:#{port}"
        configure? = Keyword.get(opts, :configure, true)
        if configure?, do: configure(url, port)

        pipe_opts = [
          socket: Keyword.fetch!(opts, :socket),
          connect_timeout_ms: Keyword.get(opts, :connect_timeout_ms, 10_000)
        ]

        acceptor = spawn_link(fn -> accept_loop(lsock, opts[:pipes], pipe_opts) end)
        {:ok, %{lsock: lsock, port: port, url: url, acceptor: acceptor, configured: configure?}}

      {:error, reason} ->
        {:stop, {:egress_listen_failed, reason}}
    end
  end

  @impl true
  def handle_info({:EXIT, pid, reason}, %{acceptor: pid} = state) do
    {:stop, {:acceptor_down, reason}, state}
  end

  def handle_info({:EXIT, _pid, _reason}, state), do: {:noreply, state}

  @impl true
  def terminate(_reason, state) do
    :gen_tcp.close(state.lsock)

    if state.configured and :persistent_term.get(@url_key, nil) == state.url do
      :persistent_term.erase(@url_key)
    end

    :ok
  end

  # -- configuration -----------------------------------------------------------

  defp configure(url, port) do
    Enum.each(@env_vars, &System.put_env(&1, url))
    :persistent_term.put(@url_key, url)

    case Application.ensure_all_started(:inets) do
      {:ok, _} ->
        proxy = {{~c"127.0.0.1", port}, []}
        :ok = :httpc.set_options(proxy: proxy, https_proxy: proxy)

      {:error, reason} ->
        Logger.warning(
          "OpenSentience: :inets unavailable, :httpc not configured: #{inspect(reason)}"
        )
    end
  end

  # -- accepting ---------------------------------------------------------------

  defp accept_loop(lsock, pipes, pipe_opts) do
    case :gen_tcp.accept(lsock) do
      {:ok, client} ->
        hand_over(client, pipes, pipe_opts)
        accept_loop(lsock, pipes, pipe_opts)

      {:error, :closed} ->
        exit(:normal)

      {:error, reason} when reason in [:emfile, :enfile, :enobufs] ->
        Logger.warning("OpenSentience: egress bridge cannot accept (#{reason}); retrying")
        Process.sleep(100)
        accept_loop(lsock, pipes, pipe_opts)

      {:error, reason} ->
        exit({:accept_failed, reason})
    end
  end

  defp hand_over(client, pipes, pipe_opts) do
    with {:ok, pid} <- Task.Supervisor.start_child(pipes, Pipe, :run, [pipe_opts]),
         :ok <- :gen_tcp.controlling_process(client, pid) do
      send(pid, {:egress_socket, client})
    else
      _ ->
        :gen_tcp.send(client, Pipe.error_response(503, "too many connections"))
        :gen_tcp.close(client)
    end
  end
end
