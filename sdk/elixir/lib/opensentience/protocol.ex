defmodule OpenSentience.Protocol do
  @moduledoc """
  Internal: the runtime protocol v1 as pure functions.

  Builds and parses frame envelopes (`OpenSentience.Protocol.Frame`) and the
  payloads shared by several message types. No I/O happens here: the connection
  process decides what to send and when.

  An envelope always has `v` (1), `type`, `id` and `payload` (an object), and
  optionally `reply_to`, `request_id`, `correlation_id` and `causation_id`.
  Unknown envelope fields are ignored when parsing.
  """

  import Bitwise

  alias OpenSentience.JSON

  @version 1

  @types ~w(hello welcome error tools.register tools.registered tool.call tool.progress
            tool.result tool.error tool.cancel tool.invoke chat.message chat.delta chat.done
            heartbeat log shutdown)

  @error_codes ~w(bad_frame frame_too_large unauthorized unsupported_version unknown_type
                  unknown_tool invalid_arguments permission_denied timeout canceled
                  agent_unavailable rate_limited overloaded internal)

  @id_fields [:reply_to, :request_id, :correlation_id, :causation_id]

  defmodule Frame do
    @moduledoc "One protocol frame (the envelope plus its payload)."
    @enforce_keys [:type, :id]
    defstruct v: 1,
              type: nil,
              id: nil,
              reply_to: nil,
              request_id: nil,
              correlation_id: nil,
              causation_id: nil,
              payload: %{}

    @type t :: %__MODULE__{
            v: pos_integer(),
            type: String.t(),
            id: String.t(),
            reply_to: String.t() | nil,
            request_id: String.t() | nil,
            correlation_id: String.t() | nil,
            causation_id: String.t() | nil,
            payload: map()
          }
  end

  @typedoc "Why a received binary is not an acceptable frame."
  @type decode_error :: %{code: String.t(), message: String.t(), frame_id: String.t() | nil}

  @doc "The protocol version this SDK speaks."
  @spec version() :: pos_integer()
  def version, do: @version

  @doc "All message types defined by protocol v1."
  @spec types() :: [String.t()]
  def types, do: @types

  @doc "True when `type` is defined by protocol v1."
  @spec known_type?(String.t()) :: boolean()
  def known_type?(type), do: type in @types

  @doc "The error codes shared by `error` and `tool.error` frames."
  @spec error_codes() :: [String.t()]
  def error_codes, do: @error_codes

  @doc "True when `code` is one of `error_codes/0`."
  @spec error_code?(term()) :: boolean()
  def error_code?(code), do: code in @error_codes

  @id_prefix_key {__MODULE__, :id_prefix}
  # Counters at or above 2^62 would spill into the bits under the cached head.
  @counter_limit 1 <<< 62

  @doc """
  Returns a fresh frame id, formatted as a version 4 UUID string.

  Also used for `request_id`s the agent chooses (`tool.invoke`). Ids must be
  unique, not unpredictable (they are no secrets): 58 random bits drawn once
  per VM, then a VM-unique counter. A frame is built for every call, and
  drawing 16 bytes from the crypto NIF every time cost more than the rest of
  the id (issue 13). The bits come from `:rand`, not `:crypto`: loading the
  crypto application maps OpenSSL into every agent, ~4 MB of an idle agent's
  memory, for ids that are no secrets.
  """
  @spec new_id() :: String.t()
  def new_id do
    counter = :erlang.unique_integer([:positive])

    case :persistent_term.get(@id_prefix_key, nil) do
      {_prefix, head} when counter < @counter_limit ->
        # The first 76 bits (prefix, version) never change in a VM: their
        # hex form is made once. What follows is the variant and the counter.
        <<b0, b1, b2, b3, b4, b5, b6, b7>> = <<2::2, counter::62>>

        <<head::binary, hex(b0)::binary-2, hex(b1)::binary-2, ?-, hex(b2)::binary-2,
          hex(b3)::binary-2, hex(b4)::binary-2, hex(b5)::binary-2, hex(b6)::binary-2,
          hex(b7)::binary-2>>

      {prefix, _head} ->
        format_id(prefix, counter)

      nil ->
        prefix = init_id_prefix()
        format_id(prefix, counter)
    end
  end

  defp format_id(prefix, counter) do
    <<a::48, b::12, c::62>> = <<prefix::58, counter::64>>

    <<p1::binary-8, p2::binary-4, p3::binary-4, p4::binary-4, p5::binary-12>> =
      Base.encode16(<<a::48, 4::4, b::12, 2::2, c::62>>, case: :lower)

    <<p1::binary, ?-, p2::binary, ?-, p3::binary, ?-, p4::binary, ?-, p5::binary>>
  end

  defp init_id_prefix do
    <<prefix::58, _::6>> = :rand.bytes(8)
    <<head::binary-19, _::binary>> = format_id(prefix, 0)
    :persistent_term.put(@id_prefix_key, {prefix, head})
    prefix
  end

  @hex_bytes List.to_tuple(for b <- 0..255, do: Base.encode16(<<b>>, case: :lower))

  @doc false
  # Two lower-case hex digits for a byte (ids and span ids are built per call).
  @spec hex(byte()) :: binary()
  def hex(byte), do: elem(@hex_bytes, byte)

  @doc """
  Builds a new frame of `type` with a fresh id.

  `opts` may set `:reply_to`, `:request_id`, `:correlation_id`, `:causation_id`.
  """
  @spec new(String.t(), map(), keyword()) :: Frame.t()
  def new(type, payload \\ %{}, opts \\ []) when is_binary(type) and is_map(payload) do
    put_ids(%Frame{type: type, id: new_id(), payload: payload}, opts)
  end

  # Like struct!/2 restricted to the id fields (other options are ignored),
  # without its generic key checks: frames are built for every message.
  defp put_ids(frame, []), do: frame

  defp put_ids(frame, [{field, value} | rest]) when field in @id_fields,
    do: put_ids(Map.replace!(frame, field, value), rest)

  defp put_ids(frame, [_other | rest]), do: put_ids(frame, rest)

  @doc """
  Builds a frame of `type` caused by the frame `cause`.

  Copies `request_id` and `correlation_id` from `cause`, sets `causation_id` to
  `cause.id`, and, with `reply: true`, `reply_to` to `cause.id`. Explicit `opts`
  (as in `new/3`) win over the copied values.
  """
  @spec caused_by(Frame.t(), String.t(), map(), keyword()) :: Frame.t()
  def caused_by(%Frame{} = cause, type, payload, opts \\ []) do
    {reply?, opts} = Keyword.pop(opts, :reply, false)

    defaults = [
      request_id: cause.request_id,
      correlation_id: cause.correlation_id,
      causation_id: cause.id,
      reply_to: if(reply?, do: cause.id)
    ]

    new(type, payload, Keyword.merge(defaults, opts))
  end

  @doc """
  Encodes a frame to its JSON body (without the 4-byte length prefix).

  Options are passed to `OpenSentience.JSON.encode/2` (e.g. `:max_depth`).
  """
  @spec encode(Frame.t(), keyword()) :: {:ok, binary()} | {:error, JSON.EncodeError.t()}
  def encode(%Frame{} = frame, opts \\ []) do
    # Built as ordered pairs, not a map: no map to build, sort and check
    # for duplicate keys on every frame (the keys are fixed and distinct).
    optional =
      id_pair(
        "reply_to",
        frame.reply_to,
        id_pair(
          "request_id",
          frame.request_id,
          id_pair(
            "correlation_id",
            frame.correlation_id,
            id_pair("causation_id", frame.causation_id, [])
          )
        )
      )

    JSON.Encoder.encode_pairs(
      [
        {"v", frame.v},
        {"type", frame.type},
        {"id", frame.id},
        {"payload", frame.payload} | optional
      ],
      opts
    )
  end

  defp id_pair(_key, nil, rest), do: rest
  defp id_pair(key, value, rest), do: [{key, value} | rest]

  @doc """
  Parses and validates one frame body.

  Errors carry the protocol error code to answer with (`bad_frame` or
  `unsupported_version`) and, when it could be read, the offending frame's id.
  Unknown types parse fine (see `known_type?/1`).
  """
  @spec decode(binary()) :: {:ok, Frame.t()} | {:error, decode_error()}
  def decode(body) when is_binary(body) do
    with {:ok, map} <- decode_json(body) do
      case map do
        # The usual frame, checked by one match; anything else is judged
        # field by field below, for the error to name the first bad one.
        %{
          "v" => @version,
          "type" => <<_, _::binary>> = type,
          "id" => <<_, _::binary>> = id,
          "payload" => %{} = payload
        } ->
          with {:ok, reply_to} <- optional_id(map, "reply_to", id),
               {:ok, request_id} <- optional_id(map, "request_id", id),
               {:ok, correlation_id} <- optional_id(map, "correlation_id", id),
               {:ok, causation_id} <- optional_id(map, "causation_id", id) do
            {:ok,
             %Frame{
               v: @version,
               type: type,
               id: id,
               payload: payload,
               reply_to: reply_to,
               request_id: request_id,
               correlation_id: correlation_id,
               causation_id: causation_id
             }}
          end

        _ ->
          invalid_envelope(map)
      end
    end
  end

  defp invalid_envelope(map) do
    id = string_field(map, "id")

    with :ok <- check_version(map["v"], id),
         {:ok, _type} <- required_string(map, "type", id),
         {:ok, id} <- required_string(map, "id", id),
         {:ok, _payload} <- payload(map, id) do
      # Unreachable: decode/1 matched every valid envelope.
      bad_frame("invalid envelope", id)
    end
  end

  defp decode_json(""), do: bad_frame("empty frame", nil)

  defp decode_json(body) do
    case JSON.decode(body) do
      {:ok, map} when is_map(map) -> {:ok, map}
      {:ok, _other} -> bad_frame("frame is not a JSON object", nil)
      {:error, error} -> bad_frame(Exception.message(error), nil)
    end
  end

  defp check_version(@version, _id), do: :ok

  defp check_version(v, id) when is_integer(v),
    do:
      {:error,
       %{code: "unsupported_version", message: "unsupported protocol version #{v}", frame_id: id}}

  defp check_version(_v, id), do: bad_frame("field v must be an integer", id)

  defp required_string(map, key, id) do
    case map[key] do
      value when is_binary(value) and value != "" -> {:ok, value}
      _ -> bad_frame("field #{key} must be a non-empty string", id)
    end
  end

  defp payload(map, id) do
    case Map.fetch(map, "payload") do
      {:ok, payload} when is_map(payload) -> {:ok, payload}
      _ -> bad_frame("field payload must be an object", id)
    end
  end

  defp optional_id(map, key, id) do
    case map do
      %{^key => value} when is_binary(value) or is_nil(value) -> {:ok, value}
      %{^key => _} -> bad_frame("field #{key} must be a string", id)
      _ -> {:ok, nil}
    end
  end

  defp string_field(map, key) do
    case map[key] do
      value when is_binary(value) and value != "" -> value
      _ -> nil
    end
  end

  defp bad_frame(message, id), do: {:error, %{code: "bad_frame", message: message, frame_id: id}}

  # Bounds of the core's message schemas (in UTF-16 code units there; a UTF-8
  # byte count is never smaller, so capping bytes is safe).
  @max_error_message 4096
  @max_log_message 65_536

  @doc "Payload of an `error` frame."
  @spec error_payload(String.t(), String.t(), map() | nil) :: map()
  def error_payload(code, message, details \\ nil) do
    maybe_put(%{code: code, message: truncate(message, @max_error_message)}, :details, details)
  end

  @doc """
  Payload of a `tool.error` frame: `%{error: %{code, message, retryable?, details?}}`.

  `error` is a map with `:code` and `:message` and optionally `:retryable` and
  `:details`.
  """
  @spec tool_error_payload(map()) :: map()
  def tool_error_payload(%{code: code, message: message} = error) do
    body =
      %{code: to_string(code), message: truncate(message, @max_error_message)}
      |> maybe_put(:retryable, Map.get(error, :retryable))
      |> maybe_put(:details, Map.get(error, :details))

    %{error: body}
  end

  @doc "Payload of a `log` frame; `level` is one of debug, info, warn, error."
  @spec log_payload(String.t(), String.t(), map()) :: map()
  def log_payload(level, message, fields) do
    maybe_put(
      %{level: level, message: truncate(message, @max_log_message)},
      :fields,
      if(fields != %{}, do: fields)
    )
  end

  @doc """
  Cuts `text` to at most `max_bytes` bytes without splitting a UTF-8 sequence.
  """
  @spec truncate(String.t(), non_neg_integer()) :: String.t()
  def truncate(text, max_bytes) when byte_size(text) <= max_bytes, do: text

  def truncate(text, max_bytes) do
    text |> binary_part(0, max_bytes) |> drop_partial_char()
  end

  defp drop_partial_char(bin) do
    if String.valid?(bin) or bin == "",
      do: bin,
      else: drop_partial_char(binary_part(bin, 0, byte_size(bin) - 1))
  end

  defp maybe_put(map, _key, nil), do: map
  defp maybe_put(map, key, value), do: Map.put(map, key, value)
end
