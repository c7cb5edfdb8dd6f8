defmodule OpenSentience.Agent.CallRunner do
  @moduledoc false
  # The body of one tool call or chat turn. Runs in its own process (linked
  # to the connection, see OpenSentience.Agent.Calls), turns whatever the
  # author's code returns, raises or throws into exactly one terminal frame,
  # and sends that frame itself, straight on the socket, unless the call was
  # canceled meanwhile (the connection then already answered `canceled`). Who may send the
  # terminal frame is settled by a compare-and-swap on the context's flags
  # (Context.claim_terminal/1 vs Context.cancel_running/1), so results do
  # not pass through the connection process: that hop would add a wake-up of
  # the connection to every call's latency.

  alias OpenSentience.{Context, Protocol}
  alias OpenSentience.Agent.Wire
  alias OpenSentience.Protocol.Frame

  @type outcome :: {:ok, term()} | {:done, String.t() | nil} | {:error, map()}

  @doc "Runs a tool call and sends its terminal frame."
  @spec run_tool(module(), map(), Context.t()) :: :ok
  def run_tool(tool, arguments, %Context{} = ctx) do
    OpenSentience.Trace.logger_metadata(ctx.trace)
    outcome = execute_tool(tool, arguments, ctx)
    send_terminal(ctx, terminal_body(outcome, ctx))
  end

  @doc "Runs a chat turn and sends its terminal frame."
  @spec run_chat(module(), map(), Context.t()) :: :ok
  def run_chat(handler, message, %Context{} = ctx) do
    OpenSentience.Trace.logger_metadata(ctx.trace)
    outcome = execute_chat(handler, message, ctx)
    send_terminal(ctx, terminal_body(outcome, ctx))
  end

  @doc """
  The body of a call process started ahead of need (see
  OpenSentience.Agent.Calls): waits for the call to run.
  """
  @spec await_call() :: :ok
  def await_call do
    receive do
      {:opensentience_run, fun} -> fun.()
    end
  end

  # Encoded before the claim, so claiming and sending are back to back.
  defp send_terminal(ctx, body) do
    if Context.claim_terminal(ctx), do: _ = Wire.send_terminal(ctx.transport, body)
    :ok
  end

  @doc "Calls `tool.call/2` and normalizes the outcome."
  @spec execute_tool(module(), map(), Context.t()) :: outcome()
  def execute_tool(tool, arguments, ctx) do
    tool.call(arguments, ctx) |> normalize(ctx)
  rescue
    error in FunctionClauseError ->
      if error.module == tool and error.function == :call and error.arity == 2 do
        {:error,
         %{code: "invalid_arguments", message: "arguments do not match what #{ctx.tool} accepts"}}
      else
        crashed(:error, error, __STACKTRACE__, ctx)
      end

    error ->
      crashed(:error, error, __STACKTRACE__, ctx)
  catch
    kind, reason -> crashed(kind, reason, __STACKTRACE__, ctx)
  end

  @doc "Calls `handler.handle_chat/2` and normalizes the outcome."
  @spec execute_chat(module(), map(), Context.t()) :: outcome()
  def execute_chat(handler, message, ctx) do
    case handler.handle_chat(message, ctx) do
      {:ok, text} when is_binary(text) or is_nil(text) -> {:done, text}
      {:error, _, _} = error -> normalize(error, ctx)
      {:error, _} = error -> normalize(error, ctx)
      other -> invalid_return(other, ctx)
    end
  rescue
    error -> crashed(:error, error, __STACKTRACE__, ctx)
  catch
    kind, reason -> crashed(kind, reason, __STACKTRACE__, ctx)
  end

  @doc "Builds a chat message map from a `chat.message` payload."
  @spec chat_message(map()) :: map()
  def chat_message(payload) do
    history =
      for %{} = turn <- List.wrap(payload["history"]),
          do: %{role: turn["role"], text: turn["text"]}

    %{
      session_id: payload["session_id"],
      message_id: payload["message_id"],
      text: if(is_binary(payload["text"]), do: payload["text"], else: ""),
      history: history
    }
  end

  @doc "The encoded terminal frame for `outcome`."
  @spec terminal_body(outcome(), Context.t()) :: binary()
  def terminal_body(outcome, ctx) do
    case Wire.encode(terminal_frame(outcome, ctx), ctx.max_frame_bytes) do
      {:ok, body} ->
        body

      {:error, :frame_too_large} ->
        error = %{
          code: "frame_too_large",
          message: "the output exceeds max_frame_bytes (#{ctx.max_frame_bytes})"
        }

        terminal_body({:error, error}, ctx)

      {:error, :too_deep} ->
        error = %{code: "internal", message: "the output nests deeper than the protocol allows"}
        terminal_body({:error, error}, ctx)

      {:error, {:not_json, _}} ->
        _ = Context.log(ctx, :error, "#{label(ctx)} returned output that is not JSON-encodable")

        terminal_body(
          {:error, %{code: "internal", message: "the output is not JSON-encodable"}},
          ctx
        )
    end
  end

  defp terminal_frame({:ok, output}, ctx),
    do: frame(ctx, "tool.result", traced(%{output: output}, ctx))

  defp terminal_frame({:done, nil}, ctx), do: frame(ctx, "chat.done", traced(%{}, ctx))
  defp terminal_frame({:done, text}, ctx), do: frame(ctx, "chat.done", traced(%{text: text}, ctx))

  defp terminal_frame({:error, error}, ctx),
    do: frame(ctx, "tool.error", traced(Protocol.tool_error_payload(error), ctx))

  # The agent's span for the call (docs/tracing.md), only when the core sent a traceparent.
  defp traced(payload, %Context{trace: nil}), do: payload

  defp traced(payload, %Context{trace: trace}),
    do: Map.put(payload, :agent_span, OpenSentience.Trace.agent_span(trace))

  @doc "A terminal `tool.error` frame body for a call that ended without one."
  @spec error_body(Context.t(), String.t(), String.t(), keyword()) :: binary()
  def error_body(ctx, code, message, opts \\ []) do
    payload =
      Protocol.tool_error_payload(%{code: code, message: message, retryable: opts[:retryable]})

    {:ok, body} =
      Wire.encode(frame(ctx, "tool.error", payload, opts[:causation_id]), ctx.max_frame_bytes)

    body
  end

  # Built literally rather than with Protocol.new/3 and its options: once per call.
  defp frame(ctx, type, payload, causation_id \\ nil) do
    %Frame{
      type: type,
      id: Protocol.new_id(),
      payload: payload,
      request_id: ctx.request_id,
      correlation_id: ctx.correlation_id,
      causation_id: causation_id || ctx.frame_id,
      reply_to: ctx.frame_id
    }
  end

  # -- normalization -----------------------------------------------------------

  defp normalize({:ok, output}, _ctx), do: {:ok, output}

  defp normalize({:error, code, message}, _ctx)
       when (is_atom(code) or is_binary(code)) and is_binary(message),
       do: {:error, error(code, message, nil, nil)}

  defp normalize({:error, %{code: code, message: message} = e}, _ctx)
       when (is_atom(code) or is_binary(code)) and is_binary(message) do
    retryable = Map.get(e, :retryable?, Map.get(e, :retryable))

    {:error, error(code, message, if(is_boolean(retryable), do: retryable), Map.get(e, :details))}
  end

  defp normalize(other, ctx), do: invalid_return(other, ctx)

  # Codes outside the protocol's list are sent as `internal`, with the
  # original code kept in `details.code`, so the frame stays valid.
  defp error(code, message, retryable, details) do
    code = to_string(code)
    details = if is_map(details), do: details, else: nil

    if Protocol.error_code?(code) do
      %{code: code, message: message, retryable: retryable, details: details}
    else
      %{
        code: "internal",
        message: message,
        retryable: retryable,
        details: Map.put(details || %{}, :code, code)
      }
    end
  end

  defp invalid_return(other, ctx) do
    _ =
      Context.log(ctx, :error, "#{label(ctx)} returned an invalid value", %{shape: shape(other)})

    {:error, %{code: "internal", message: "#{label(ctx)} returned an invalid value"}}
  end

  defp shape(term) when is_tuple(term) and tuple_size(term) > 0 and is_atom(elem(term, 0)),
    do: "{#{inspect(elem(term, 0))}, ...} of size #{tuple_size(term)}"

  defp shape(term) when is_atom(term), do: inspect(term)
  defp shape(_term), do: "not a result tuple"

  # The caller gets a generic message; the details (which may quote data) go
  # only to the agent's log, which the core stores redacted. Stack frames keep
  # arities, never argument values.
  defp crashed(kind, reason, stacktrace, ctx) do
    banner = Exception.format_banner(kind, reason, stacktrace)
    trace = stacktrace |> Enum.map(&strip_args/1) |> Exception.format_stacktrace()
    _ = Context.log(ctx, :error, "#{label(ctx)} crashed: #{banner}", %{stacktrace: trace})

    {:error,
     %{code: "internal", message: "internal error in #{label(ctx)}#{kind_hint(kind, reason)}"}}
  end

  defp kind_hint(:error, %{__struct__: mod}), do: " (#{inspect(mod)})"
  defp kind_hint(kind, _reason), do: " (#{kind})"

  defp strip_args({mod, fun, args, location}) when is_list(args),
    do: {mod, fun, length(args), location}

  defp strip_args(entry), do: entry

  defp label(%Context{kind: :chat}), do: "chat handler"
  defp label(%Context{tool: tool}), do: "tool #{tool}"
end
