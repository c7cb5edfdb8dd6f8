defmodule OpenSentience.Agent.Calls do
  @moduledoc false
  # Tool calls and chat turns, as seen by the connection process: these
  # functions run inside OpenSentience.Agent.Connection and take and return
  # its state.
  #
  # state.calls holds request_id => %Call{} for each call whose process is
  # still alive. `status` is :canceled once this process answered the call's
  # `tool.cancel`, else :running. The call's process sends its own terminal
  # frame; which of it and a `canceled` answer goes out is settled on the
  # context's flags (Context.claim_terminal/1, Context.cancel_running/1).
  # Entries go when the process exits; the busy slots compared with the
  # core's max_concurrent_calls are those entries whose terminal frame has
  # not gone out yet (see busy_slots/1).

  require Logger

  alias OpenSentience.{Context, Protocol}
  alias OpenSentience.Agent.{CallRunner, Connection, Invocations, Spec}
  alias OpenSentience.Protocol.Frame

  defmodule Call do
    @moduledoc false
    defstruct [:pid, :ctx, :status, :kill_timer]
  end

  @doc "Handles a `tool.call` frame."
  @spec tool_call(Frame.t(), map()) :: map()
  def tool_call(%Frame{payload: p} = frame, state) do
    with {:ok, state} <- admit(frame, state),
         {:ok, name} <- tool_name(p),
         {:ok, tool} <- find_tool(state, name),
         {:ok, arguments} <- arguments(p) do
      ctx = context(frame, state, :tool, name, tool.streaming?)
      start(ctx, state, fn -> CallRunner.run_tool(tool.module, arguments, ctx) end)
    else
      {:rejected, state} -> state
      {:error, code, message} -> send_tool_error(frame, code, message, state)
    end
  end

  @doc "Handles a `chat.message` frame."
  @spec chat_message(Frame.t(), map()) :: map()
  def chat_message(%Frame{payload: p} = frame, state) do
    with {:ok, state} <- admit(frame, state),
         {:ok, handler} <- chat_handler(state) do
      ctx = context(frame, state, :chat)
      message = CallRunner.chat_message(p)
      start(ctx, state, fn -> CallRunner.run_chat(handler, message, ctx) end)
    else
      {:rejected, state} -> state
      {:error, code, message} -> send_tool_error(frame, code, message, state)
    end
  end

  # Checks that apply to every call: it has a fresh request id and a free slot.
  defp admit(%Frame{request_id: nil} = frame, state) do
    payload = Protocol.error_payload("bad_frame", "#{frame.type} needs a request_id")
    _ = Connection.send_frame(state, Protocol.caused_by(frame, "error", payload, reply: true))
    {:rejected, state}
  end

  defp admit(%Frame{request_id: rid} = frame, state) do
    cond do
      Map.has_key?(state.calls, rid) ->
        payload = Protocol.error_payload("bad_frame", "request_id #{rid} is already in use")
        _ = Connection.send_frame(state, Protocol.caused_by(frame, "error", payload, reply: true))
        {:rejected, state}

      map_size(state.calls) >= state.max_calls and busy_slots(state.calls) >= state.max_calls ->
        message = "#{state.max_calls} calls are already running"
        {:rejected, send_tool_error(frame, "overloaded", message, state, retryable: true)}

      true ->
        {:ok, state}
    end
  end

  # A slot is busy until the call's process exits, except that a call whose
  # terminal frame was claimed is done as far as the core knows: the core may
  # send the next call before that process has exited and its :DOWN reached
  # this one. Only counted when the map is full.
  defp busy_slots(calls) do
    Enum.count(calls, fn {_rid, %Call{ctx: ctx}} -> not Context.terminal_claimed?(ctx) end)
  end

  defp tool_name(%{"tool" => name}) when is_binary(name), do: {:ok, name}
  defp tool_name(_payload), do: {:error, "bad_frame", "tool.call needs a tool name"}

  defp find_tool(state, name) do
    case state.spec.tools do
      %{^name => tool} -> {:ok, tool}
      _ -> {:error, "unknown_tool", "this agent has no tool named #{inspect(name)}"}
    end
  end

  defp arguments(%{"arguments" => args}) when is_map(args), do: {:ok, args}
  defp arguments(%{"arguments" => nil}), do: {:ok, %{}}
  defp arguments(p) when not is_map_key(p, "arguments"), do: {:ok, %{}}
  defp arguments(_payload), do: {:error, "invalid_arguments", "arguments must be an object"}

  defp chat_handler(%{spec: %Spec{chat: nil}}),
    do: {:error, "unknown_tool", "this agent has no chat handler"}

  defp chat_handler(%{spec: %Spec{chat: chat}}), do: {:ok, chat}

  # Built literally rather than with Context.new/1 (struct!/2): once per call.
  defp context(%Frame{payload: p} = frame, state, kind, tool \\ nil, streaming? \\ false) do
    %Context{
      kind: kind,
      tool: tool,
      streaming?: streaming?,
      request_id: frame.request_id,
      correlation_id: frame.correlation_id,
      frame_id: frame.id,
      caller: if(is_map(p["caller"]), do: p["caller"]),
      timeout_ms: timeout_ms(p),
      agent_id: state.config.agent_id,
      trace: OpenSentience.Trace.from_traceparent(p["traceparent"]),
      transport: {:socket, state.socket, self()},
      max_frame_bytes: state.max_frame_bytes,
      flags: Context.new_flags()
    }
  end

  defp timeout_ms(%{"timeout_ms" => ms}) when is_integer(ms) and ms > 0, do: ms
  defp timeout_ms(_payload), do: nil

  # A call runs in a process of its own, linked to this one (when the
  # connection goes, its calls go with it; this process traps exits, so a
  # call's crash reaches it as :EXIT and :DOWN, not as its own death). One is
  # started ahead of need (state.spare, waiting in CallRunner.await_call/0)
  # and the call is handed to it with a plain message. The next spare is
  # started when a call's process exits (its result is out by then), which
  # overlaps the core's turn instead of delaying a call; a call that finds no
  # spare (several arrived at once) starts its process directly. A plain
  # spawn_link, not a Task.Supervisor child: starting one of those is a
  # synchronous request to the supervisor, several times the cost of the
  # spawn, on every call.
  defp start(%Context{} = ctx, state, fun) do
    {pid, state} = take_spare(state)
    send(pid, {:opensentience_run, fun})
    ref = Process.monitor(pid)
    state = %{state | monitors: Map.put(state.monitors, ref, {:call, ctx.request_id})}
    put_call(state, ctx.request_id, %Call{pid: pid, ctx: ctx, status: :running})
  end

  defp take_spare(%{spare: pid} = state) when is_pid(pid), do: {pid, %{state | spare: nil}}
  defp take_spare(state), do: {spawn_call_process(), state}

  @doc "Starts the process the next call will run in, if there is none."
  @spec start_spare(map()) :: map()
  def start_spare(%{spare: pid} = state) when is_pid(pid), do: state
  def start_spare(state), do: %{state | spare: spawn_call_process()}

  # A call's process starts with room for a typical call (context, output,
  # the encoded terminal frame): with the default 233 words, nearly every
  # call paid a garbage collection before its result went out.
  @call_min_heap_words 987

  defp spawn_call_process,
    do: :erlang.spawn_opt(&CallRunner.await_call/0, [:link, min_heap_size: @call_min_heap_words])

  @doc "Handles a `tool.cancel` frame from the core."
  @spec cancel(Frame.t(), map()) :: map()
  def cancel(%Frame{request_id: rid, payload: p} = frame, state) do
    with %{^rid => %Call{status: :running} = call} <- state.calls,
         true <- Context.cancel_running(call.ctx) do
      reason = if is_binary(p["reason"]), do: p["reason"], else: "canceled"
      send(call.pid, {:opensentience_cancel, reason})
      message = "canceled (#{reason})"

      _ =
        Connection.send_body(
          state,
          CallRunner.error_body(call.ctx, "canceled", message, causation_id: frame.id)
        )

      timer = Process.send_after(self(), {:kill_call, rid}, state.config.cancel_grace_ms)
      state = Invocations.fail_for(state, rid)
      put_call(state, rid, %{call | status: :canceled, kill_timer: timer})
    else
      # Unknown, or its terminal frame was already sent: nothing to answer.
      _ -> state
    end
  end

  @doc "The process of a call exited."
  @spec exited(String.t(), term(), map()) :: map()
  def exited(request_id, reason, state) do
    {call, calls} = Map.pop(state.calls, request_id)
    state = %{state | calls: calls}
    if call.kill_timer, do: Process.cancel_timer(call.kill_timer)

    # The process is gone, so claiming its terminal frame races with nothing.
    if call.status == :running and Context.claim_terminal(call.ctx) do
      # The process died without reporting (killed by a linked process, ...).
      Logger.error(
        "OpenSentience: call #{request_id} exited without a result: #{inspect(reason)}"
      )

      _ =
        Connection.send_body(
          state,
          CallRunner.error_body(call.ctx, "internal", "the call's process exited unexpectedly")
        )
    end

    state |> Invocations.fail_for(request_id) |> start_spare()
  end

  defp send_tool_error(frame, code, message, state, opts \\ []) do
    payload =
      Protocol.tool_error_payload(%{code: code, message: message, retryable: opts[:retryable]})

    _ =
      Connection.send_frame(state, Protocol.caused_by(frame, "tool.error", payload, reply: true))

    state
  end

  defp put_call(state, request_id, call),
    do: %{state | calls: Map.put(state.calls, request_id, call)}

  @doc "The grace period of a canceled call is over: kill it if it still runs."
  @spec kill(String.t(), map()) :: map()
  def kill(request_id, state) do
    case state.calls do
      %{^request_id => %Call{status: :canceled, pid: pid}} -> Process.exit(pid, :kill)
      _ -> :ok
    end

    state
  end

  @doc "Tells every running call to stop (the connection is closing); sends nothing."
  @spec signal_all(map(), String.t()) :: :ok
  def signal_all(state, reason) do
    for {_rid, %Call{status: :running, ctx: ctx, pid: pid}} <- state.calls,
        Context.cancel_running(ctx),
        do: send(pid, {:opensentience_cancel, reason})

    :ok
  end

  @doc "True when `request_id` is a call that was canceled."
  @spec canceled?(map(), String.t()) :: boolean()
  def canceled?(state, request_id),
    do: match?(%{^request_id => %Call{status: :canceled}}, state.calls)
end
