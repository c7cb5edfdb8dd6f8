defmodule OpenSentience.Context do
  @moduledoc """
  The context of one tool call or chat turn, passed to `c:OpenSentience.Tool.call/2`
  and `c:OpenSentience.ChatHandler.handle_chat/2`.

  Public fields (read them freely):

    * `:kind` - `:tool` or `:chat`
    * `:tool` - the tool's short name (`nil` for chat turns)
    * `:request_id` - the call's (or turn's) request id
    * `:correlation_id` - the end-to-end id, copied onto every frame this call causes
    * `:caller` - who called: `%{"kind" => "cli" | "ui" | "chat" | "api" | "agent", "id" => ...}`
    * `:timeout_ms` - the timeout the core applies to this call, if it said
    * `:agent_id` - this agent's id
    * `:trace` - the call's W3C trace context (`OpenSentience.Trace`), or `nil`
      when the core sent no `traceparent`

  The other fields are internal.

  ## Cancellation

  When the core cancels a call, three things happen:

    1. `canceled?/1` starts returning `true` (from any process);
    2. the process running the call receives `{:opensentience_cancel, reason}`
       (`reason` is a string such as `"timeout"` or `"user"`);
    3. if the process has not exited after a short grace period (default 2 s),
       it is killed.

  The core has already been told the call was canceled; whatever the tool
  returns afterwards is dropped. `sleep/2` is an interruptible sleep that makes
  loops cancellable with no extra code.

  Helpers that send frames (`progress/2`, `delta/2`, `log/4`) may be called from
  any process; call them from one process to keep their order.
  """

  alias OpenSentience.Agent.Wire
  alias OpenSentience.Protocol

  @enforce_keys [:kind, :request_id, :transport, :flags]
  defstruct [
    :kind,
    :tool,
    :request_id,
    :correlation_id,
    :frame_id,
    :caller,
    :timeout_ms,
    :agent_id,
    :trace,
    :transport,
    :flags,
    streaming?: false,
    max_frame_bytes: 1_048_576
  ]

  @type t :: %__MODULE__{
          kind: :tool | :chat,
          tool: String.t() | nil,
          request_id: String.t(),
          correlation_id: String.t() | nil,
          frame_id: String.t() | nil,
          caller: map() | nil,
          timeout_ms: pos_integer() | nil,
          agent_id: String.t() | nil,
          trace: OpenSentience.Trace.t() | nil,
          transport: term(),
          flags: :atomics.atomics_ref(),
          streaming?: boolean(),
          max_frame_bytes: pos_integer()
        }

  @typedoc "Why a frame was not sent."
  @type send_error ::
          :canceled | :not_streaming | :not_chat | :frame_too_large | :too_deep | :closed

  # `flags` is shared by the call's process and the connection. Slot @state
  # moves once, by compare-and-swap, from @running to @canceled (the
  # connection answered `tool.cancel`) or to @done (the call's terminal frame
  # was claimed, see claim_terminal/1): exactly one terminal frame goes out
  # without the two processes having to exchange messages. Slot @seq numbers
  # progress frames.
  @state 1
  @seq 2
  @running 0
  @canceled 1
  @done 2
  @global_tool_id ~r/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+\/[a-z][a-z0-9_]{0,63}$/

  @doc false
  @spec new(keyword()) :: t()
  def new(fields) do
    struct!(
      __MODULE__,
      Keyword.put_new_lazy(fields, :flags, &new_flags/0)
    )
  end

  @doc """
  Sends a `tool.progress` frame with the next `seq` (1, 2, 3, ...).

  `chunk` is a string or a JSON-encodable map. Only for tools declared with
  `streaming: true`. Returns `{:error, :canceled}` (and sends nothing) once the
  call is canceled.
  """
  @spec progress(t(), String.t() | map()) :: :ok | {:error, send_error()}
  def progress(%__MODULE__{kind: :tool, streaming?: true} = ctx, chunk)
      when is_binary(chunk) or is_map(chunk) do
    if canceled?(ctx) do
      {:error, :canceled}
    else
      seq = :atomics.add_get(ctx.flags, @seq, 1)
      send_frame(ctx, "tool.progress", %{seq: seq, chunk: chunk})
    end
  end

  def progress(%__MODULE__{}, chunk) when is_binary(chunk) or is_map(chunk),
    do: {:error, :not_streaming}

  def progress(%__MODULE__{}, chunk),
    do: raise(ArgumentError, "progress chunk must be a string or a map, got: #{inspect(chunk)}")

  @doc """
  Sends a `chat.delta` frame (a streamed part of the reply). Only in chat turns.
  """
  @spec delta(t(), String.t()) :: :ok | {:error, send_error()}
  def delta(%__MODULE__{kind: :chat} = ctx, text) when is_binary(text) do
    if canceled?(ctx), do: {:error, :canceled}, else: send_frame(ctx, "chat.delta", %{text: text})
  end

  def delta(%__MODULE__{}, text) when is_binary(text), do: {:error, :not_chat}

  def delta(%__MODULE__{}, text),
    do: raise(ArgumentError, "delta text must be a string, got: #{inspect(text)}")

  @doc "True once the core has canceled this call. Never blocks."
  @spec canceled?(t()) :: boolean()
  def canceled?(%__MODULE__{flags: flags}), do: :atomics.get(flags, @state) == @canceled

  @doc """
  Sleeps `ms` milliseconds, returning early with `{:error, :canceled}` if the
  call is (or gets) canceled. Must be called from the process running the call.
  """
  @spec sleep(t(), non_neg_integer()) :: :ok | {:error, :canceled}
  def sleep(%__MODULE__{} = ctx, ms) when is_integer(ms) and ms >= 0 do
    if canceled?(ctx) do
      {:error, :canceled}
    else
      receive do
        {:opensentience_cancel, _reason} -> {:error, :canceled}
      after
        ms -> if canceled?(ctx), do: {:error, :canceled}, else: :ok
      end
    end
  end

  @doc """
  Calls another agent's tool through the core's router and waits for its result.

  `tool_id` is `"<agent_id>/<tool>"`; the agent's manifest must request (and the
  user approve) `tool:invoke:<agent_id>/<tool>` or `tool:invoke:<agent_id>/*`.
  The call carries this call's `correlation_id`.

  Options:

    * `:timeout_ms` - sent to the core as the call's timeout; the wait also
      ends 1 s after it with a `timeout` error (the core normally
      answers with `timeout` first);
    * `:on_progress` - a 1-arity function called with each progress chunk.

  Returns `{:ok, output}` or `{:error, %{code: code, message: message}}` (plus
  `:retryable?` and `:details` when the callee sent them). `code` is a string
  such as `"permission_denied"`, `"unknown_tool"` or `"timeout"`; the error map
  has the shape a tool may return as is. If this call is canceled while
  waiting, returns `{:error, %{code: "canceled", ...}}`.
  """
  @spec invoke(t(), String.t(), map(), keyword()) :: {:ok, term()} | {:error, map()}
  def invoke(%__MODULE__{} = ctx, tool_id, arguments \\ %{}, opts \\ [])
      when is_binary(tool_id) and is_map(arguments) do
    timeout_ms = Keyword.get(opts, :timeout_ms)

    cond do
      not (byte_size(tool_id) <= 193 and tool_id =~ @global_tool_id) ->
        {:error,
         %{
           code: "invalid_arguments",
           message: "tool id must be <agent_id>/<tool name>, got: #{inspect(tool_id)}"
         }}

      not (is_nil(timeout_ms) or (is_integer(timeout_ms) and timeout_ms in 1..2_147_483_647)) ->
        {:error,
         %{code: "invalid_arguments", message: ":timeout_ms must be a positive integer (ms)"}}

      canceled?(ctx) ->
        {:error, canceled_error()}

      true ->
        do_invoke(ctx, tool_id, arguments, timeout_ms, opts)
    end
  end

  defp do_invoke(ctx, tool_id, arguments, timeout_ms, opts) do
    payload = %{tool: tool_id, arguments: arguments}
    payload = if timeout_ms, do: Map.put(payload, :timeout_ms, timeout_ms), else: payload

    payload =
      if ctx.trace,
        do: Map.put(payload, :traceparent, OpenSentience.Trace.traceparent(ctx.trace)),
        else: payload

    frame =
      Protocol.new("tool.invoke", payload,
        request_id: Protocol.new_id(),
        correlation_id: ctx.correlation_id,
        causation_id: ctx.frame_id
      )

    Wire.invoke(ctx, frame, opts)
  end

  @doc false
  def canceled_error, do: %{code: "canceled", message: "the calling tool was canceled"}

  @doc """
  Sends a `log` frame tied to this call (it carries the call's ids).

  `level` is `:debug`, `:info`, `:warn` (or `:warning`) or `:error`; `fields`
  is a JSON-encodable map. The core stores logs redacted and bounded.
  """
  @spec log(t(), atom(), String.t(), map()) :: :ok | {:error, send_error()}
  def log(%__MODULE__{} = ctx, level, message, fields \\ %{}) do
    fields =
      case ctx.trace do
        %{trace_id: t, span_id: s} when is_map(fields) ->
          Map.merge(%{"trace_id" => t, "span_id" => s}, fields)

        _ ->
          fields
      end

    send_frame(ctx, "log", OpenSentience.log_payload(level, message, fields))
  end

  @doc false
  @spec new_flags() :: :atomics.atomics_ref()
  def new_flags, do: :atomics.new(2, signed: false)

  @doc false
  @spec terminal_claimed?(t()) :: boolean()
  def terminal_claimed?(%__MODULE__{flags: flags}), do: :atomics.get(flags, @state) == @done

  @doc false
  # OpenSentience.Testing: cancels unconditionally (no terminal frame race there).
  @spec mark_canceled(t()) :: :ok
  def mark_canceled(%__MODULE__{flags: flags}), do: :atomics.put(flags, @state, @canceled)

  @doc false
  # The connection cancels the call. False when its terminal frame was
  # already claimed: then that frame is (being) sent and the cancel is moot.
  @spec cancel_running(t()) :: boolean()
  def cancel_running(%__MODULE__{flags: flags}),
    do: :atomics.compare_exchange(flags, @state, @running, @canceled) == :ok

  @doc false
  # The right to send the call's terminal frame (result or error). False
  # when the call was canceled (the core already got `canceled`) or the
  # frame was already claimed.
  @spec claim_terminal(t()) :: boolean()
  def claim_terminal(%__MODULE__{flags: flags}),
    do: :atomics.compare_exchange(flags, @state, @running, @done) == :ok

  defp send_frame(ctx, type, payload) do
    frame =
      Protocol.new(type, payload,
        request_id: ctx.request_id,
        correlation_id: ctx.correlation_id,
        causation_id: ctx.frame_id
      )

    case Wire.send_frame(ctx.transport, frame, ctx.max_frame_bytes) do
      {:error, {:not_json, error}} ->
        raise ArgumentError, "#{type} payload: #{Exception.message(error)}"

      other ->
        other
    end
  end
end
