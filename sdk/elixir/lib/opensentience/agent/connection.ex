defmodule OpenSentience.Agent.Connection do
  @moduledoc false
  # The agent's one connection to the core.
  #
  # Lifecycle: connect -> send hello -> (handshaking) -> welcome -> send
  # tools.register -> (ready) -> serve until the socket closes or the core
  # sends shutdown. The connection is never restarted (the token is single
  # use); when it ends, the VM is stopped unless `halt: false` (tests).
  #
  # The state is a map owned by this process. Besides the connection's own
  # fields it holds `calls` and `spare` (see OpenSentience.Agent.Calls),
  # `invokes` (see OpenSentience.Agent.Invocations) and `monitors` (monitor
  # ref => {:call | :invoke, request_id}), which those modules update from
  # here.
  #
  # Per call, this process only decodes the frame, admits the call and hands
  # it to a waiting task; the task sends its frames, result included, itself.

  use GenServer

  require Logger

  alias OpenSentience.Protocol
  alias OpenSentience.Agent.{Calls, Config, Invocations, Spec, Wire}
  alias OpenSentience.Protocol.Frame

  @default_heartbeat_ms 5_000
  @default_max_frame_bytes 1_048_576
  @default_max_calls 16
  @halt_fallback_ms 10_000

  # Frames the socket may deliver as messages before it waits to be re-armed
  # ({:tcp_passive, socket}). Re-arming after every frame (`active: :once`)
  # costs a port round trip per frame; this keeps the mailbox bounded all the
  # same, so a flooding core still meets backpressure on its socket.
  @active_frames 32

  @spec start_link(Spec.t(), Config.t()) :: GenServer.on_start()
  def start_link(%Spec{} = spec, %Config{} = config) do
    GenServer.start_link(__MODULE__, {spec, config}, name: config.name)
  end

  # -- startup and handshake ---------------------------------------------------

  @impl true
  def init({spec, config}) do
    Process.flag(:trap_exit, true)

    socket_opts = [
      :binary,
      packet: 4,
      active: @active_frames,
      packet_size: @default_max_frame_bytes,
      send_timeout: 30_000,
      send_timeout_close: true
    ]

    with {:ok, socket} <- connect(config.socket, socket_opts) do
      state = %{
        spec: spec,
        config: config,
        spare: nil,
        socket: socket,
        phase: :handshaking,
        hello_id: nil,
        register_id: nil,
        session_id: nil,
        handshake_timer: nil,
        heartbeat_ms: @default_heartbeat_ms,
        heartbeat_seq: 0,
        max_frame_bytes: @default_max_frame_bytes,
        max_calls: @default_max_calls,
        calls: %{},
        invokes: %{},
        monitors: %{}
      }

      hello = Protocol.new("hello", hello_payload(spec, config))

      case send_frame(state, hello) do
        :ok ->
          timer = Process.send_after(self(), :handshake_timeout, config.handshake_timeout_ms)
          {:ok, %{state | hello_id: hello.id, handshake_timer: timer}}

        {:error, reason} ->
          :gen_tcp.close(socket)
          {:stop, {:hello_failed, reason}}
      end
    end
  end

  defp connect(path, opts) do
    case :gen_tcp.connect({:local, path}, 0, opts, 5_000) do
      {:ok, socket} -> {:ok, socket}
      {:error, reason} -> {:stop, {:connect_failed, path, reason}}
    end
  end

  defp hello_payload(spec, config) do
    %{
      agent_id: config.agent_id,
      token: config.token,
      agent_version: spec.version,
      sdk: %{name: "opensentience_agent_sdk", version: OpenSentience.sdk_version()},
      protocol: %{min: Protocol.version(), max: Protocol.version()},
      capabilities: spec.capabilities
    }
  end

  defp welcome(%Frame{payload: p}, state) do
    if p["protocol_version"] == Protocol.version() do
      Process.cancel_timer(state.handshake_timer)
      max_frame_bytes = positive(p["max_frame_bytes"], @default_max_frame_bytes)
      _ = :inet.setopts(state.socket, packet_size: max_frame_bytes)

      state = %{
        state
        | phase: :ready,
          session_id: p["session_id"],
          heartbeat_ms: positive(p["heartbeat_interval_ms"], @default_heartbeat_ms),
          max_frame_bytes: max_frame_bytes,
          max_calls: positive(p["max_concurrent_calls"], @default_max_calls)
      }

      register = Protocol.new("tools.register", %{tools: state.spec.descriptors})

      case send_frame(state, register) do
        :ok ->
          Process.send_after(self(), :heartbeat, state.heartbeat_ms)
          {:noreply, Calls.start_spare(%{state | register_id: register.id})}

        {:error, reason} ->
          Logger.error("OpenSentience: could not send tools.register: #{inspect(reason)}")
          {:stop, {:shutdown, {:register_failed, reason}}, state}
      end
    else
      Logger.error(
        "OpenSentience: core speaks protocol #{inspect(p["protocol_version"])}, SDK speaks 1"
      )

      {:stop, {:shutdown, :unsupported_version}, state}
    end
  end

  # Text from the core for logs: strings as they are, anything else inspected.
  defp text(value) when is_binary(value), do: value
  defp text(nil), do: ""
  defp text(value), do: inspect(value)

  defp positive(value, _default) when is_integer(value) and value > 0, do: value
  defp positive(_value, default), do: default

  # -- incoming frames ---------------------------------------------------------

  @impl true
  def handle_info({:tcp, socket, data}, %{socket: socket} = state) do
    case Protocol.decode(data) do
      {:ok, frame} -> handle_frame(state.phase, frame, state)
      {:error, error} -> {:noreply, reject(error, state)}
    end
  end

  def handle_info({:tcp_passive, socket}, %{socket: socket} = state) do
    _ = :inet.setopts(socket, active: @active_frames)
    {:noreply, state}
  end

  def handle_info({:tcp_closed, socket}, %{socket: socket} = state),
    do: {:stop, {:shutdown, :closed}, %{state | socket: nil}}

  def handle_info({:tcp_error, socket, reason}, %{socket: socket} = state) do
    Logger.error("OpenSentience: socket error #{inspect(reason)}")
    :gen_tcp.close(socket)
    {:stop, {:shutdown, {:socket_error, reason}}, %{state | socket: nil}}
  end

  def handle_info(:handshake_timeout, %{phase: :handshaking} = state) do
    Logger.error("OpenSentience: no welcome from the core in time")
    {:stop, {:shutdown, :handshake_timeout}, state}
  end

  def handle_info(:heartbeat, %{phase: :ready} = state) do
    seq = state.heartbeat_seq + 1
    _ = send_frame(state, Protocol.new("heartbeat", %{seq: seq}))
    Process.send_after(self(), :heartbeat, state.heartbeat_ms)
    {:noreply, %{state | heartbeat_seq: seq}}
  end

  # A call's terminal frame, relayed to keep it behind that call's casts
  # (see Wire.send_terminal/2); the call already claimed the right to send it.
  def handle_info({:send_body, body}, state) do
    _ = send_body(state, body)
    {:noreply, state}
  end

  def handle_info({:kill_call, request_id}, state), do: {:noreply, Calls.kill(request_id, state)}

  def handle_info({:DOWN, ref, :process, _pid, reason}, state) do
    {entry, monitors} = Map.pop(state.monitors, ref)
    state = %{state | monitors: monitors}

    case entry do
      {:call, request_id} ->
        {:noreply, Calls.exited(request_id, reason, state)}

      {:invoke, request_id} ->
        {:noreply, Invocations.abandon(state, request_id, "caller exited")}

      nil ->
        {:noreply, state}
    end
  end

  def handle_info({:EXIT, _pid, _reason}, state), do: {:noreply, state}
  def handle_info(_other, state), do: {:noreply, state}

  defp handle_frame(:handshaking, %Frame{type: "welcome"} = frame, state),
    do: welcome(frame, state)

  defp handle_frame(:handshaking, %Frame{type: "error", payload: p}, state) do
    Logger.error(
      "OpenSentience: the core refused this agent: #{text(p["code"])}: #{text(p["message"])}"
    )

    {:stop, {:shutdown, {:refused, text(p["code"])}}, state}
  end

  defp handle_frame(:handshaking, %Frame{type: type}, state) do
    Logger.warning("OpenSentience: ignoring #{type} before welcome")
    {:noreply, state}
  end

  defp handle_frame(:ready, %Frame{type: type} = frame, state) do
    case type do
      "tool.call" -> {:noreply, Calls.tool_call(frame, state)}
      "chat.message" -> {:noreply, Calls.chat_message(frame, state)}
      "tool.cancel" -> {:noreply, Calls.cancel(frame, state)}
      "tool.progress" -> {:noreply, Invocations.reply(frame, state)}
      "tool.result" -> {:noreply, Invocations.reply(frame, state)}
      "tool.error" -> {:noreply, Invocations.reply(frame, state)}
      "tools.registered" -> {:noreply, registered(frame, state)}
      "error" -> {:noreply, core_error(frame, state)}
      "shutdown" -> shutdown(frame, state)
      _ -> {:noreply, unexpected(frame, state)}
    end
  end

  defp reject(%{code: code, message: message, frame_id: id}, state) do
    _ =
      send_frame(
        state,
        Protocol.new("error", Protocol.error_payload(code, message), reply_to: id)
      )

    state
  end

  defp unexpected(%Frame{type: type} = frame, state) do
    if Protocol.known_type?(type) do
      Logger.warning("OpenSentience: ignoring unexpected #{type} from the core")
      state
    else
      payload = Protocol.error_payload("unknown_type", "unknown frame type #{inspect(type)}")
      _ = send_frame(state, Protocol.caused_by(frame, "error", payload, reply: true))
      state
    end
  end

  defp registered(%Frame{payload: p}, state) do
    for %{} = r <- List.wrap(p["rejected"]) do
      Logger.warning(
        "OpenSentience: the core rejected tool #{inspect(r["name"])}: #{text(r["reason"])}"
      )
    end

    state
  end

  defp core_error(%Frame{reply_to: reply_to, payload: p}, state) do
    code = if is_binary(p["code"]), do: p["code"], else: "internal"
    error = %{code: code, message: text(p["message"])}

    case Invocations.core_error(state, reply_to, error) do
      {:ok, state} ->
        state

      :unmatched ->
        Logger.warning("OpenSentience: core error #{error.code}: #{error.message}")
        state
    end
  end

  defp shutdown(%Frame{payload: p}, state) do
    Logger.info("OpenSentience: shutdown requested by the core (#{inspect(p["reason"])})")
    Calls.signal_all(state, "shutdown")
    :gen_tcp.close(state.socket)
    {:stop, {:shutdown, :requested}, %{state | socket: nil}}
  end

  # -- requests from call processes ------------------------------------------

  @impl true
  def handle_call({:invoke, request_id, frame_id, parent_id, body}, {pid, _tag}, state) do
    {reply, state} = Invocations.register(state, pid, {request_id, frame_id, parent_id, body})
    {:reply, reply, state}
  end

  @impl true
  def handle_cast({:forget_invoke, request_id}, state),
    do: {:noreply, Invocations.abandon(state, request_id, "timeout")}

  # Before welcome the core accepts nothing but hello: keep early logs local.
  def handle_cast({:log, payload}, %{phase: :handshaking} = state) do
    Logger.info("OpenSentience log before welcome (#{payload.level}): #{payload.message}")
    {:noreply, state}
  end

  def handle_cast({:log, payload}, state) do
    _ = send_frame(state, Protocol.new("log", payload))
    {:noreply, state}
  end

  # -- sending and stopping ----------------------------------------------------

  @doc false
  # Used by Calls and Invocations, inside this process.
  def send_frame(%{socket: nil}, _frame), do: {:error, :closed}

  def send_frame(state, frame) do
    Wire.send_frame({:socket, state.socket, self()}, frame, state.max_frame_bytes)
  end

  @doc false
  def send_body(%{socket: nil}, _body), do: {:error, :closed}
  def send_body(state, body), do: Wire.send_body({:socket, state.socket, self()}, body)

  @impl true
  def terminate(reason, state) do
    if state.socket, do: :gen_tcp.close(state.socket)
    if state.config.halt, do: halt(exit_code(reason))
    :ok
  end

  defp exit_code(reason) when reason in [:normal, :shutdown], do: 0
  defp exit_code({:shutdown, reason}) when reason in [:closed, :requested], do: 0
  defp exit_code(_reason), do: 1

  # An agent must not outlive its connection: stop the VM in an orderly way,
  # and halt it outright if that stalls.
  defp halt(code) do
    spawn(fn ->
      Process.sleep(@halt_fallback_ms)
      System.halt(code)
    end)

    System.stop(code)
  end
end
