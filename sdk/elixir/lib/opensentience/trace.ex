defmodule OpenSentience.Trace do
  @moduledoc """
  W3C trace context of one call, when the core sent one (see docs/tracing.md).

  The core puts an optional `traceparent` in `tool.call` and `chat.message`
  when the trace is sampled (spans exported, a sampled caller, or config
  `tracing.propagate: "always"`).
  When it is there, the call's `OpenSentience.Context` carries an
  `%OpenSentience.Trace{}` in `ctx.trace` (else `nil`):

    * `:trace_id` - the trace (32 hex digits)
    * `:parent_id` - the core's span this call runs under (16 hex digits)
    * `:span_id` - this agent's own span for the call (16 hex digits, fresh)
    * `:start_us` - when the agent received the call (Unix microseconds)

  What the SDK does with it, with no code from the tool author:

    * `Logger` metadata `:trace_id` and `:span_id` are set in the call's process;
    * `OpenSentience.Context.log/4` adds `trace_id` and `span_id` to the fields;
    * `OpenSentience.Context.invoke/4` passes `traceparent/1` on, so the
      invoked tool's spans nest under this call's;
    * the terminal frame reports the agent's span
      (`agent_span: {span_id, start_us, end_us}`), which the core exports
      as a child of its `agent.execute` span.

  Without a `traceparent` from the core none of this happens and nothing is added to frames.
  """

  @enforce_keys [:trace_id, :parent_id, :span_id, :start_us]
  defstruct [:trace_id, :parent_id, :span_id, :start_us]

  @type t :: %__MODULE__{
          trace_id: String.t(),
          parent_id: String.t(),
          span_id: String.t(),
          start_us: integer()
        }

  @zero_trace String.duplicate("0", 32)
  @zero_span String.duplicate("0", 16)

  @doc """
  Parses a `traceparent` (version `00`). Returns `nil` for anything else:
  a malformed value is ignored, as W3C Trace Context asks.
  """
  @spec from_traceparent(term()) :: t() | nil
  def from_traceparent(
        <<"00-", trace_id::binary-32, "-", parent_id::binary-16, "-", _flags::binary-2>>
      ) do
    if hex?(trace_id) and hex?(parent_id) and trace_id != @zero_trace and
         parent_id != @zero_span do
      %__MODULE__{
        trace_id: trace_id,
        parent_id: parent_id,
        span_id: new_span_id(),
        start_us: System.os_time(:microsecond)
      }
    end
  end

  def from_traceparent(_other), do: nil

  @doc "The `traceparent` naming this agent's span as the parent (for calls it makes)."
  @spec traceparent(t()) :: String.t()
  def traceparent(%__MODULE__{trace_id: t, span_id: s}), do: "00-#{t}-#{s}-01"

  @doc "The `agent_span` reported in the terminal frame: this call's span, ending now."
  @spec agent_span(t()) :: map()
  def agent_span(%__MODULE__{span_id: s, start_us: start}),
    do: %{span_id: s, start_us: start, end_us: System.os_time(:microsecond)}

  @doc false
  # Logger metadata of the call's process.
  @spec logger_metadata(t() | nil) :: :ok
  def logger_metadata(nil), do: :ok

  def logger_metadata(%__MODULE__{trace_id: t, span_id: s}),
    do: Logger.metadata(trace_id: t, span_id: s)

  # W3C asks span ids to be random, not secret: `:rand` (see Protocol.new_id/0
  # on why not `:crypto`). Never all zeros: each half is drawn from 1..2^32-1.
  # Two 32-bit draws, not one 64-bit: a range past 2^58 takes `:rand`'s bignum
  # path (~300 ns against ~100 ns for both). Made per traced call, so hex
  # digits come from a table, not Base.encode16.
  defp new_span_id do
    <<b0, b1, b2, b3, b4, b5, b6, b7>> =
      <<:rand.uniform(0xFFFFFFFF)::32, :rand.uniform(0xFFFFFFFF)::32>>
    hex = &OpenSentience.Protocol.hex/1

    <<hex.(b0)::binary, hex.(b1)::binary, hex.(b2)::binary, hex.(b3)::binary, hex.(b4)::binary,
      hex.(b5)::binary, hex.(b6)::binary, hex.(b7)::binary>>
  end

  # Lower-case hex digits only (a regex here cost more than the rest of the parse).
  defp hex?(<<c, rest::binary>>) when c in ?0..?9 or c in ?a..?f, do: hex?(rest)
  defp hex?(<<>>), do: true
  defp hex?(_other), do: false
end
