defmodule OpenSentience.JSON do
  @moduledoc """
  Internal: a small, strict JSON codec (RFC 8259) used for every frame.

  The SDK cannot depend on Hex packages, so it carries its own codec. It is not
  part of the public API, but it is safe to use.

  Decoding:

    * objects become maps with **string** keys (never atoms); on duplicate keys
      the last one wins;
    * integers become integers, numbers with a fraction or exponent become floats;
    * strings are checked to be valid UTF-8; `\\uXXXX` escapes are decoded,
      surrogate pairs are joined, lone surrogates are rejected;
    * anything that is not exactly one JSON value (with optional surrounding
      whitespace) is rejected with `{:error, %OpenSentience.JSON.DecodeError{}}`.

  Encoding accepts `nil`, booleans, atoms (as strings), strings (valid UTF-8 only),
  integers, floats, lists, maps with atom or string keys, and `Date`, `Time`,
  `NaiveDateTime` and `DateTime` (as ISO 8601 strings). Anything else is rejected
  with `{:error, %OpenSentience.JSON.EncodeError{}}`.
  """

  alias OpenSentience.JSON.{Decoder, Encoder}

  defmodule DecodeError do
    @moduledoc "Raised or returned when input is not valid JSON."
    defexception [:reason, :position]

    @impl true
    def message(%{reason: reason, position: pos}),
      do: "invalid JSON at byte #{pos}: #{format(reason)}"

    defp format(reason) when is_binary(reason), do: reason
    defp format(reason), do: inspect(reason)
  end

  defmodule EncodeError do
    @moduledoc "Raised or returned when a term cannot be represented as JSON."
    defexception [:reason]

    @impl true
    def message(%{reason: reason}), do: "cannot encode as JSON: #{inspect(reason)}"
  end

  @doc """
  Encodes `term` to a JSON binary.

  Options: `:max_depth` (default unbounded) rejects terms whose lists and maps
  nest deeper than that.
  """
  @spec encode(term(), keyword()) :: {:ok, binary()} | {:error, EncodeError.t()}
  def encode(term, opts \\ []), do: Encoder.encode(term, opts)

  @doc "Like `encode/1` but raises `OpenSentience.JSON.EncodeError`."
  @spec encode!(term()) :: binary()
  def encode!(term) do
    case encode(term) do
      {:ok, json} -> json
      {:error, error} -> raise error
    end
  end

  @doc """
  Decodes one JSON value from `binary`.

  Options: `:max_depth` (default 512) bounds the nesting of arrays and objects.
  """
  @spec decode(binary(), keyword()) :: {:ok, term()} | {:error, DecodeError.t()}
  def decode(binary, opts \\ []), do: Decoder.decode(binary, opts)

  @doc "Like `decode/2` but raises `OpenSentience.JSON.DecodeError`."
  @spec decode!(binary(), keyword()) :: term()
  def decode!(binary, opts \\ []) do
    case decode(binary, opts) do
      {:ok, value} -> value
      {:error, error} -> raise error
    end
  end
end
