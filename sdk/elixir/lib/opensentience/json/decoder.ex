defmodule OpenSentience.JSON.Decoder do
  @moduledoc false
  # Decoder half of OpenSentience.JSON: a recursive-descent parser over the
  # binary. Each step returns {value, rest}; errors are thrown as
  # {:json_decode, reason, rest} and turned into a DecodeError whose position is
  # the byte offset where parsing stopped.

  import Bitwise

  alias OpenSentience.JSON.DecodeError

  @default_max_depth 512

  @spec decode(term(), keyword()) :: {:ok, term()} | {:error, DecodeError.t()}
  def decode(binary, opts \\ [])

  def decode(binary, opts) when is_binary(binary) do
    max_depth = Keyword.get(opts, :max_depth, @default_max_depth)

    try do
      {value, rest} = value(skip_ws(binary), 0, max_depth)

      case skip_ws(rest) do
        "" -> {:ok, value}
        rest -> throw({:json_decode, "unexpected data after the value", rest})
      end
    catch
      {:json_decode, reason, rest} ->
        {:error, %DecodeError{reason: reason, position: byte_size(binary) - byte_size(rest)}}
    end
  end

  def decode(_other, _opts),
    do: {:error, %DecodeError{reason: "input is not a binary", position: 0}}

  # -- values ---------------------------------------------------------------

  defp value(<<?{, rest::binary>>, depth, max),
    do: object(skip_ws(rest), enter(depth, max, rest), max)

  defp value(<<?[, rest::binary>>, depth, max),
    do: array(skip_ws(rest), enter(depth, max, rest), max)

  defp value(<<?", rest::binary>>, _depth, _max), do: string(rest, [])
  defp value(<<"true", rest::binary>>, _depth, _max), do: {true, rest}
  defp value(<<"false", rest::binary>>, _depth, _max), do: {false, rest}
  defp value(<<"null", rest::binary>>, _depth, _max), do: {nil, rest}
  defp value(<<c, _::binary>> = bin, _depth, _max) when c == ?- or c in ?0..?9, do: number(bin)
  defp value("", _depth, _max), do: throw({:json_decode, "unexpected end of input", ""})
  defp value(rest, _depth, _max), do: throw({:json_decode, "unexpected character", rest})

  defp enter(depth, max, rest) do
    if depth + 1 > max, do: throw({:json_decode, "nesting deeper than #{max}", rest})
    depth + 1
  end

  # -- objects ---------------------------------------------------------------

  defp object(<<?}, rest::binary>>, _depth, _max), do: {%{}, rest}
  defp object(bin, depth, max), do: members(bin, depth, max, [])

  defp members(<<?", rest::binary>>, depth, max, acc) do
    {key, rest} = string(rest, [])
    rest = expect(skip_ws(rest), ?:, "expected ':' after an object key")
    {val, rest} = value(skip_ws(rest), depth, max)
    acc = [{key, val} | acc]

    case skip_ws(rest) do
      <<?,, rest::binary>> -> members(skip_ws(rest), depth, max, acc)
      # :maps.from_list keeps the last value of a duplicate key.
      <<?}, rest::binary>> -> {:maps.from_list(Enum.reverse(acc)), rest}
      rest -> throw({:json_decode, "expected ',' or '}' in an object", rest})
    end
  end

  defp members(rest, _depth, _max, _acc),
    do: throw({:json_decode, "expected a string key in an object", rest})

  # -- arrays ----------------------------------------------------------------

  defp array(<<?], rest::binary>>, _depth, _max), do: {[], rest}
  defp array(bin, depth, max), do: elements(bin, depth, max, [])

  defp elements(bin, depth, max, acc) do
    {val, rest} = value(bin, depth, max)

    case skip_ws(rest) do
      <<?,, rest::binary>> -> elements(skip_ws(rest), depth, max, [val | acc])
      <<?], rest::binary>> -> {Enum.reverse([val | acc]), rest}
      rest -> throw({:json_decode, "expected ',' or ']' in an array", rest})
    end
  end

  # -- strings ---------------------------------------------------------------

  # `bin` starts just after an opening quote. A string is a sequence of runs
  # (bytes taken as they are) separated by escapes. This is the decoder's hot
  # path (a frame is mostly strings), so each run is measured and validated
  # as UTF-8 in one byte-matching loop that allocates nothing, then sliced off
  # as a sub-binary: a string without escapes is never copied.
  defp string(bin, acc) do
    n = run_length(bin, 0)

    case bin do
      <<run::binary-size(n), ?", rest::binary>> ->
        {finish_string(run, acc), rest}

      <<run::binary-size(n), ?\\, rest::binary>> ->
        {decoded, rest} = escape(rest)
        string(rest, [decoded, run | acc])

      _ ->
        bad_run(bin)
    end
  end

  # Length of the leading bytes that need no attention: printable ASCII other
  # than '"' and '\', and valid UTF-8 sequences (`::utf8` rejects overlong
  # forms, surrogates and code points above U+10FFFF).
  defp run_length(<<c, rest::binary>>, n) when c >= 0x20 and c < 0x80 and c != ?" and c != ?\\,
    do: run_length(rest, n + 1)

  defp run_length(<<c::utf8, rest::binary>>, n) when c >= 0x80,
    do: run_length(rest, n + utf8_size(c))

  defp run_length(_rest, n), do: n

  defp utf8_size(c) when c < 0x800, do: 2
  defp utf8_size(c) when c < 0x10000, do: 3
  defp utf8_size(_c), do: 4

  # The run starting at `bin` stopped at a control character, invalid UTF-8
  # or the end of the input. The error is judged on the bytes up to the next
  # '"' or '\' ('"' and '\' never occur inside a multi-byte UTF-8 sequence):
  # none means the string is unterminated, else a control character wins
  # over invalid UTF-8; both are reported at the start of the run.
  defp bad_run(bin) do
    case :binary.match(bin, [~s("), "\\"]) do
      :nomatch ->
        throw({:json_decode, "unterminated string", ""})

      {pos, 1} ->
        if control_char?(binary_part(bin, 0, pos)),
          do: throw({:json_decode, "control character in a string", bin}),
          else: throw({:json_decode, "invalid UTF-8 in a string", bin})
    end
  end

  defp control_char?(<<c, _::binary>>) when c < 0x20, do: true
  defp control_char?(<<_, rest::binary>>), do: control_char?(rest)
  defp control_char?(<<>>), do: false

  defp finish_string(run, []), do: run
  defp finish_string(run, acc), do: IO.iodata_to_binary(:lists.reverse([run | acc]))

  defp escape(<<?", rest::binary>>), do: {~s("), rest}
  defp escape(<<?\\, rest::binary>>), do: {"\\", rest}
  defp escape(<<?/, rest::binary>>), do: {"/", rest}
  defp escape(<<?b, rest::binary>>), do: {"\b", rest}
  defp escape(<<?f, rest::binary>>), do: {"\f", rest}
  defp escape(<<?n, rest::binary>>), do: {"\n", rest}
  defp escape(<<?r, rest::binary>>), do: {"\r", rest}
  defp escape(<<?t, rest::binary>>), do: {"\t", rest}

  defp escape(<<?u, hex::binary-size(4), rest::binary>> = at) do
    code = hex4(hex, at)

    cond do
      code in 0xD800..0xDBFF -> low_surrogate(code, rest, at)
      code in 0xDC00..0xDFFF -> throw({:json_decode, "lone low surrogate", at})
      true -> {<<code::utf8>>, rest}
    end
  end

  defp escape(rest), do: throw({:json_decode, "invalid escape sequence", rest})

  defp low_surrogate(high, <<?\\, ?u, hex::binary-size(4), rest::binary>>, at) do
    low = hex4(hex, at)

    if low in 0xDC00..0xDFFF do
      {<<0x10000 + ((high - 0xD800) <<< 10) + (low - 0xDC00)::utf8>>, rest}
    else
      throw({:json_decode, "high surrogate not followed by a low surrogate", at})
    end
  end

  defp low_surrogate(_high, _rest, at),
    do: throw({:json_decode, "high surrogate not followed by a low surrogate", at})

  defp hex4(<<a, b, c, d>>, at) do
    (hex(a, at) <<< 12) + (hex(b, at) <<< 8) + (hex(c, at) <<< 4) + hex(d, at)
  end

  defp hex(c, _at) when c in ?0..?9, do: c - ?0
  defp hex(c, _at) when c in ?a..?f, do: c - ?a + 10
  defp hex(c, _at) when c in ?A..?F, do: c - ?A + 10
  defp hex(_c, at), do: throw({:json_decode, "invalid \\u escape", at})

  # -- numbers ---------------------------------------------------------------
  # Grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  # The scanner measures the lexeme, then Erlang converts it.

  defp number(bin) do
    {len, float?} = sign(bin, 0)
    <<lexeme::binary-size(len), rest::binary>> = bin
    {convert(lexeme, float?, bin), rest}
  end

  defp sign(<<?-, rest::binary>>, n), do: int(rest, n + 1)
  defp sign(rest, n), do: int(rest, n)

  defp int(<<?0, rest::binary>>, n), do: frac(rest, n + 1)
  defp int(<<c, rest::binary>>, n) when c in ?1..?9, do: frac_after_digits(rest, n + 1)
  defp int(rest, _n), do: throw({:json_decode, "invalid number", rest})

  defp frac_after_digits(<<c, rest::binary>>, n) when c in ?0..?9,
    do: frac_after_digits(rest, n + 1)

  defp frac_after_digits(rest, n), do: frac(rest, n)

  defp frac(<<?., c, rest::binary>>, n) when c in ?0..?9,
    do: exp(skip_digits(rest), n + 2 + count_digits(rest), true)

  defp frac(<<?., _::binary>> = rest, _n), do: throw({:json_decode, "invalid number", rest})
  defp frac(rest, n), do: exp(rest, n, false)

  defp exp(<<e, s, c, rest::binary>>, n, _float?)
       when e in [?e, ?E] and s in [?+, ?-] and c in ?0..?9,
       do: {n + 3 + count_digits(rest), true}

  defp exp(<<e, c, rest::binary>>, n, _float?) when e in [?e, ?E] and c in ?0..?9,
    do: {n + 2 + count_digits(rest), true}

  defp exp(<<e, _::binary>> = rest, _n, _float?) when e in [?e, ?E],
    do: throw({:json_decode, "invalid number", rest})

  defp exp(_rest, n, float?), do: {n, float?}

  defp count_digits(bin, n \\ 0)
  defp count_digits(<<c, rest::binary>>, n) when c in ?0..?9, do: count_digits(rest, n + 1)
  defp count_digits(_rest, n), do: n

  defp skip_digits(<<c, rest::binary>>) when c in ?0..?9, do: skip_digits(rest)
  defp skip_digits(rest), do: rest

  defp convert(lexeme, false, _at), do: String.to_integer(lexeme)

  defp convert(lexeme, true, at) do
    # Erlang needs a fraction before the exponent: "1e5" -> "1.0e5".
    normalized =
      if String.contains?(lexeme, "."),
        do: lexeme,
        else: String.replace(lexeme, ~r/[eE]/, ".0e", global: false)

    :erlang.binary_to_float(normalized)
  rescue
    ArgumentError -> throw({:json_decode, "number out of range", at})
  end

  # -- whitespace --------------------------------------------------------------

  defp skip_ws(<<c, rest::binary>>) when c in [?\s, ?\t, ?\n, ?\r], do: skip_ws(rest)
  defp skip_ws(rest), do: rest

  defp expect(<<c, rest::binary>>, c, _message), do: rest
  defp expect(rest, _c, message), do: throw({:json_decode, message, rest})
end
