defmodule OpenSentience.Egress.Pipe do
  @moduledoc false
  # One bridged connection: a TCP client on the sandbox's loopback and the
  # core's egress proxy on its Unix socket, bytes copied both ways unchanged
  # (the proxy does all the HTTP). One message in flight per direction
  # (`active: :once`), so a fast sender is held back by the slow reader's
  # socket. The client's half-close is passed on (the answer can still come
  # back); when the proxy side ends, the rest goes to the client and both
  # close; an error on either side closes both.

  @handoff_timeout 5_000

  @doc false
  @spec run(keyword()) :: :ok
  def run(opts) do
    receive do
      {:egress_socket, client} -> connect(client, opts)
    after
      @handoff_timeout -> :ok
    end
  end

  @doc "A minimal HTTP error answer, for when the core's proxy cannot be reached."
  @spec error_response(pos_integer(), String.t()) :: iodata()
  def error_response(status, message) do
    body = "opensentience egress bridge: #{message}\n"
    reason = if status == 503, do: "Service Unavailable", else: "Bad Gateway"

    [
      "HTTP/1.1 #{status} #{reason}\r\nContent-Type: text/plain; charset=utf-8\r\n",
      "Content-Length: #{byte_size(body)}\r\nConnection: close\r\n\r\n",
      body
    ]
  end

  defp connect(client, opts) do
    path = Keyword.fetch!(opts, :socket)

    upstream_opts = [
      :binary,
      active: :once,
      exit_on_close: false,
      send_timeout: 30_000,
      send_timeout_close: true
    ]

    case :gen_tcp.connect(
           {:local, path},
           0,
           upstream_opts,
           Keyword.fetch!(opts, :connect_timeout_ms)
         ) do
      {:ok, upstream} ->
        :ok =
          :inet.setopts(client,
            active: :once,
            exit_on_close: false,
            send_timeout: 30_000,
            send_timeout_close: true
          )

        loop(%{client: client, upstream: upstream})

      {:error, reason} ->
        _ = :gen_tcp.send(client, error_response(502, "egress proxy unavailable (#{reason})"))
        :gen_tcp.close(client)
    end
  end

  defp loop(%{client: client, upstream: upstream} = s) do
    receive do
      {:tcp, ^client, data} ->
        relay(s, client, upstream, data)

      {:tcp, ^upstream, data} ->
        relay(s, upstream, client, data)

      # The client sent everything (FIN): pass it on; the answer can still come back.
      {:tcp_closed, ^client} ->
        if :gen_tcp.shutdown(upstream, :write) == :ok, do: loop(s), else: close_both(s)

      {:tcp_closed, ^upstream} ->
        close_both(s)

      {:tcp_error, _socket, _reason} ->
        close_both(s)
    end
  end

  defp relay(s, from, to, data) do
    with :ok <- :gen_tcp.send(to, data),
         :ok <- :inet.setopts(from, active: :once) do
      loop(s)
    else
      _ -> close_both(s)
    end
  end

  # gen_tcp.close/1 sends what is still queued before closing.
  defp close_both(%{client: client, upstream: upstream}) do
    :gen_tcp.close(client)
    :gen_tcp.close(upstream)
    :ok
  end
end
