defmodule OpenSentience.Agent.Invocations do
  @moduledoc false
  # Calls this agent makes through the core's router (tool.invoke), as seen by
  # the connection process: these functions run inside
  # OpenSentience.Agent.Connection and take and return its state.
  #
  # state.invokes holds request_id => waiter (the waiting process, its
  # monitor, the call it was made for, and the tool.invoke frame's id).
  # Replies are forwarded to the waiter as {:opensentience_invoke, request_id,
  # event}; see OpenSentience.Agent.Wire.invoke/3 for the receiving side.

  alias OpenSentience.{Context, Protocol}
  alias OpenSentience.Agent.{Calls, Connection}
  alias OpenSentience.Protocol.Frame

  @doc """
  Sends the encoded `tool.invoke` frame `body` for the process `pid`, made
  on behalf of the call `parent_id`, and remembers whom to tell.
  """
  @spec register(map(), pid(), {String.t(), String.t(), String.t(), binary()}) ::
          {:ok | {:error, :canceled | :closed}, map()}
  def register(state, pid, {request_id, frame_id, parent_id, body}) do
    cond do
      Calls.canceled?(state, parent_id) ->
        {{:error, :canceled}, state}

      Connection.send_body(state, body) != :ok ->
        {{:error, :closed}, state}

      true ->
        ref = Process.monitor(pid)
        waiter = %{pid: pid, monitor: ref, parent: parent_id, frame_id: frame_id}

        state = %{
          state
          | invokes: Map.put(state.invokes, request_id, waiter),
            monitors: Map.put(state.monitors, ref, {:invoke, request_id})
        }

        {:ok, state}
    end
  end

  @doc """
  An `error` frame from the core: if it answers one of our `tool.invoke`
  frames, that invocation fails with it. Returns `:unmatched` otherwise.
  """
  @spec core_error(map(), String.t() | nil, map()) :: {:ok, map()} | :unmatched
  def core_error(_state, nil, _error), do: :unmatched

  def core_error(state, reply_to, error) do
    case Enum.find(state.invokes, fn {_rid, w} -> w.frame_id == reply_to end) do
      {request_id, waiter} ->
        send(waiter.pid, {:opensentience_invoke, request_id, {:error, error}})
        {:ok, drop(state, request_id)}

      nil ->
        :unmatched
    end
  end

  @doc "A `tool.progress`, `tool.result` or `tool.error` frame for one of our invocations."
  @spec reply(Frame.t(), map()) :: map()
  def reply(%Frame{request_id: rid, type: type, payload: p}, state) do
    case state.invokes do
      %{^rid => waiter} ->
        case type do
          "tool.progress" ->
            send(waiter.pid, {:opensentience_invoke, rid, {:progress, p["chunk"]}})
            state

          "tool.result" ->
            send(waiter.pid, {:opensentience_invoke, rid, {:result, p["output"]}})
            drop(state, rid)

          "tool.error" ->
            send(waiter.pid, {:opensentience_invoke, rid, {:error, wire_error(p)}})
            drop(state, rid)
        end

      _ ->
        # A late reply (the waiter gave up or its call was canceled).
        state
    end
  end

  defp wire_error(%{"error" => %{"code" => code, "message" => message} = e})
       when is_binary(code) and is_binary(message) do
    error = %{code: code, message: message}

    error =
      if is_boolean(e["retryable"]), do: Map.put(error, :retryable?, e["retryable"]), else: error

    if is_map(e["details"]), do: Map.put(error, :details, e["details"]), else: error
  end

  defp wire_error(_payload),
    do: %{code: "internal", message: "malformed tool.error from the core"}

  @doc """
  The call `parent_id` is over (canceled, or its process exited): wake its
  waiters and tell the core to stop the invoked calls (the core accepts
  `tool.cancel` for an agent's own `tool.invoke` request ids).
  """
  @spec fail_for(map(), String.t()) :: map()
  def fail_for(state, parent_id) do
    state.invokes
    |> Enum.filter(fn {_rid, waiter} -> waiter.parent == parent_id end)
    |> Enum.reduce(state, fn {rid, waiter}, acc ->
      send(waiter.pid, {:opensentience_invoke, rid, {:error, Context.canceled_error()}})
      abandon(acc, rid, "canceled")
    end)
  end

  @doc "Stops waiting for an invocation and asks the core to cancel it."
  @spec abandon(map(), String.t(), String.t()) :: map()
  def abandon(state, request_id, reason) do
    case state.invokes do
      %{^request_id => waiter} ->
        cancel =
          Protocol.new("tool.cancel", %{reason: reason},
            request_id: request_id,
            causation_id: waiter.frame_id
          )

        _ = Connection.send_frame(state, cancel)
        drop(state, request_id)

      _ ->
        state
    end
  end

  defp drop(state, request_id) do
    case Map.pop(state.invokes, request_id) do
      {nil, _} ->
        state

      {waiter, invokes} ->
        Process.demonitor(waiter.monitor, [:flush])
        %{state | invokes: invokes, monitors: Map.delete(state.monitors, waiter.monitor)}
    end
  end
end
