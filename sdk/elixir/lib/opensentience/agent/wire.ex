defmodule OpenSentience.Agent.Wire do
  @moduledoc false
  # Sends frames on behalf of any process: the connection, a call's task, or a
  # helper process a tool started. Writes go straight to the socket (the port
  # serialises concurrent writers frame by frame), so a slow core applies
  # backpressure to the writer instead of filling the connection's mailbox.
  #
  # Transports:
  #   {:socket, socket, connection_pid}  the real thing
  #   {:test, pid, invoke_fun}           OpenSentience.Testing: frames become
  #                                      {:opensentience_frame, decoded_map} messages

  alias OpenSentience.{Context, JSON, Protocol}
  alias OpenSentience.Protocol.Frame

  @type transport ::
          {:socket, port(), pid()} | {:test, pid(), (String.t(), map() -> term()) | nil}
  @type error :: :frame_too_large | :too_deep | :closed | {:not_json, JSON.EncodeError.t()}

  # The core rejects (and closes the connection on) frames whose JSON nests
  # deeper than this, envelope included. Not in the protocol baseline: it is
  # the core's DEFAULT_MAX_JSON_DEPTH.
  @max_depth 64

  # How long past an invocation's timeout_ms we keep waiting: the core
  # enforces the timeout and normally answers first with a `timeout` error.
  @wait_margin_ms 1_000

  @doc "Encodes `frame` and checks it fits in `max_bytes` and the depth bound."
  @spec encode(Frame.t(), pos_integer()) :: {:ok, binary()} | {:error, error()}
  def encode(%Frame{} = frame, max_bytes) do
    case Protocol.encode(frame, max_depth: @max_depth) do
      {:ok, body} when byte_size(body) <= max_bytes -> {:ok, body}
      {:ok, _body} -> {:error, :frame_too_large}
      {:error, %JSON.EncodeError{reason: {:too_deep, _}}} -> {:error, :too_deep}
      {:error, error} -> {:error, {:not_json, error}}
    end
  end

  @doc "Encodes and sends one frame."
  @spec send_frame(transport(), Frame.t(), pos_integer()) :: :ok | {:error, error()}
  def send_frame(transport, %Frame{} = frame, max_bytes) do
    with {:ok, body} <- encode(frame, max_bytes), do: send_body(transport, body)
  end

  # Set in a process that asked the connection to send a frame for it
  # (cast/2): see send_terminal/2.
  @relay_key :opensentience_relay_terminal

  @doc """
  Sends a call's terminal frame, from the call's process.

  Straight on the socket, unless this process earlier asked the connection,
  asynchronously, to send something (cast/2: a `tool.cancel` for an
  invocation it gave up on, a log line): the terminal frame then goes
  through the connection too, behind those requests, so the core sees the
  frames in the order the call caused them.
  """
  @spec send_terminal(transport(), binary()) :: :ok | {:error, :closed}
  def send_terminal({:socket, _socket, conn} = transport, body) do
    if Process.get(@relay_key) do
      send(conn, {:send_body, body})
      :ok
    else
      send_body(transport, body)
    end
  end

  def send_terminal(transport, body), do: send_body(transport, body)

  @doc "Casts `request` to the connection `conn` (see send_terminal/2)."
  @spec cast(GenServer.server(), term()) :: :ok
  def cast(conn, request) do
    Process.put(@relay_key, true)
    GenServer.cast(conn, request)
  end

  @doc "Sends an already encoded frame body."
  @spec send_body(transport(), binary()) :: :ok | {:error, :closed}
  def send_body({:socket, socket, _conn}, body) do
    case :gen_tcp.send(socket, body) do
      :ok -> :ok
      {:error, _reason} -> {:error, :closed}
    end
  end

  def send_body({:test, pid, _invoke}, body) do
    send(pid, {:opensentience_frame, JSON.decode!(body)})
    :ok
  end

  @doc """
  Sends a `tool.invoke` frame and waits for its outcome (see
  `OpenSentience.Context.invoke/4`).
  """
  @spec invoke(Context.t(), Frame.t(), keyword()) :: {:ok, term()} | {:error, map()}
  def invoke(%Context{} = ctx, %Frame{} = frame, opts) do
    case encode(frame, ctx.max_frame_bytes) do
      {:ok, body} ->
        do_invoke(ctx.transport, ctx, frame, body, opts)

      {:error, :frame_too_large} ->
        {:error, %{code: "frame_too_large", message: "tool.invoke frame exceeds max_frame_bytes"}}

      {:error, {:not_json, error}} ->
        raise ArgumentError, "tool.invoke arguments: #{Exception.message(error)}"
    end
  end

  defp do_invoke({:socket, _socket, conn}, ctx, frame, body, opts) do
    request_id = frame.request_id

    case GenServer.call(conn, {:invoke, request_id, frame.id, ctx.request_id, body}) do
      :ok ->
        await(conn, request_id, Keyword.get(opts, :on_progress), deadline(opts))

      {:error, :canceled} ->
        {:error, Context.canceled_error()}

      {:error, :closed} ->
        {:error, %{code: "agent_unavailable", message: "not connected to the core"}}
    end
  catch
    :exit, _reason -> {:error, %{code: "agent_unavailable", message: "not connected to the core"}}
  end

  defp do_invoke({:test, _pid, invoke_fun} = transport, _ctx, frame, body, _opts) do
    :ok = send_body(transport, body)

    case invoke_fun do
      nil ->
        {:error,
         %{
           code: "agent_unavailable",
           message: "no :invoke function given to OpenSentience.Testing"
         }}

      fun ->
        fun.(frame.payload.tool, frame.payload.arguments)
    end
  end

  defp deadline(opts) do
    case Keyword.get(opts, :timeout_ms) do
      nil -> :infinity
      ms -> System.monotonic_time(:millisecond) + ms + @wait_margin_ms
    end
  end

  defp await(conn, request_id, on_progress, deadline) do
    receive do
      {:opensentience_invoke, ^request_id, {:progress, chunk}} ->
        if on_progress, do: on_progress.(chunk)
        await(conn, request_id, on_progress, deadline)

      {:opensentience_invoke, ^request_id, {:result, output}} ->
        {:ok, output}

      {:opensentience_invoke, ^request_id, {:error, error}} ->
        {:error, error}
    after
      remaining(deadline) ->
        cast(conn, {:forget_invoke, request_id})
        {:error, %{code: "timeout", message: "no reply to tool.invoke in time"}}
    end
  end

  defp remaining(:infinity), do: :infinity
  defp remaining(deadline), do: max(deadline - System.monotonic_time(:millisecond), 0)
end
