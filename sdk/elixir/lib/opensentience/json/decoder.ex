defmodule OpenSentience.JSON.Decoder do
  @moduledoc false
  # Decoder half of OpenSentience.JSON. Every frame the agent receives goes
  # through here, so it is written for the BEAM's binary matching:
  #
  #   * the parser never returns {value, rest} pairs: each step ends in a
  #     tail call that passes the rest of the input on (first argument, so
  #     the compiler keeps one match context instead of making a sub-binary
  #     per token), and a finished value goes to continue/5, which looks at
  #     an explicit stack of open arrays and objects to decide what comes
  #     next;
  #   * a string is measured in place and sliced off the input (no copy)
  #     unless it has escapes.
  #
  # Errors are thrown as {:json_decode, reason, rest} and turned into a
  # DecodeError whose position is the byte offset where `rest` starts.

  import Bitwise

  alias OpenSentience.JSON.DecodeError

  @default_max_depth 512

  @spec decode(term(), keyword()) :: {:ok, term()} | {:error, DecodeError.t()}
  def decode(binary, opts \\ [])

  def decode(binary, opts) when is_binary(binary) do
    max_depth =
      case opts do
        [] -> @default_max_depth
        _ -> Keyword.get(opts, :max_depth, @default_max_depth)
      end

    try do
      {:ok, value(binary, [], 0, max_depth)}
    catch
      {:json_decode, reason, rest} ->
        {:error, %DecodeError{reason: reason, position: byte_size(binary) - byte_size(rest)}}
    end
  end

  def decode(_other, _opts),
    do: {:error, %DecodeError{reason: "input is not a binary", position: 0}}

  defmacrop ws?(c), do: quote(do: unquote(c) in [?\s, ?\t, ?\n, ?\r])

  # Printable ASCII other than '"' and '\\': taken into a string as it is.
  defmacrop plain?(c),
    do:
      quote(
        do: unquote(c) >= 0x20 and unquote(c) < 0x80 and unquote(c) != ?" and unquote(c) != ?\\
      )

  # -- values ---------------------------------------------------------------

  defp value(<<c, rest::bits>>, stack, depth, max) when ws?(c), do: value(rest, stack, depth, max)

  defp value(<<?", rest::bits>>, stack, depth, max),
    do: string(rest, rest, 0, [], stack, depth, max)

  defp value(<<?{, rest::bits>>, stack, depth, max) do
    if depth >= max, do: too_deep(max, rest)
    object_open(rest, stack, depth + 1, max)
  end

  defp value(<<?[, rest::bits>>, stack, depth, max) do
    if depth >= max, do: too_deep(max, rest)
    array_open(rest, stack, depth + 1, max)
  end

  defp value(<<"true", rest::bits>>, stack, depth, max),
    do: continue(rest, stack, depth, max, true)

  defp value(<<"false", rest::bits>>, stack, depth, max),
    do: continue(rest, stack, depth, max, false)

  defp value(<<"null", rest::bits>>, stack, depth, max),
    do: continue(rest, stack, depth, max, nil)

  defp value(<<c, _::bits>> = bin, stack, depth, max) when c == ?- or c in ?0..?9,
    do: number(bin, stack, depth, max)

  defp value(<<>>, _stack, _depth, _max), do: throw({:json_decode, "unexpected end of input", ""})
  defp value(rest, _stack, _depth, _max), do: throw({:json_decode, "unexpected character", rest})

  defp too_deep(max, rest), do: throw({:json_decode, "nesting deeper than #{max}", rest})

  # A value is complete: what comes next depends on what encloses it.
  # (`<<rest::bits>>` lets the compiler pass the match context through.)
  defp continue(<<rest::bits>>, [:array, acc | stack], depth, max, value),
    do: array_next(rest, [value | acc], stack, depth, max)

  defp continue(<<rest::bits>>, [:object, key, acc | stack], depth, max, value),
    do: object_next(rest, [{key, value} | acc], stack, depth, max)

  defp continue(<<rest::bits>>, [:key, acc | stack], depth, max, key),
    do: colon(rest, [:object, key, acc | stack], depth, max)

  defp continue(<<rest::bits>>, [], _depth, _max, value), do: trailing(rest, value)

  defp trailing(<<c, rest::bits>>, value) when ws?(c), do: trailing(rest, value)
  defp trailing(<<>>, value), do: value
  defp trailing(rest, _value), do: throw({:json_decode, "unexpected data after the value", rest})

  # -- arrays ----------------------------------------------------------------

  defp array_open(<<c, rest::bits>>, stack, depth, max) when ws?(c),
    do: array_open(rest, stack, depth, max)

  defp array_open(<<?], rest::bits>>, stack, depth, max),
    do: continue(rest, stack, depth - 1, max, [])

  defp array_open(bin, stack, depth, max), do: value(bin, [:array, [] | stack], depth, max)

  defp array_next(<<c, rest::bits>>, acc, stack, depth, max) when ws?(c),
    do: array_next(rest, acc, stack, depth, max)

  defp array_next(<<?,, rest::bits>>, acc, stack, depth, max),
    do: value(rest, [:array, acc | stack], depth, max)

  defp array_next(<<?], rest::bits>>, acc, stack, depth, max),
    do: continue(rest, stack, depth - 1, max, :lists.reverse(acc))

  defp array_next(rest, _acc, _stack, _depth, _max),
    do: throw({:json_decode, "expected ',' or ']' in an array", rest})

  # -- objects ---------------------------------------------------------------

  defp object_open(<<c, rest::bits>>, stack, depth, max) when ws?(c),
    do: object_open(rest, stack, depth, max)

  defp object_open(<<?}, rest::bits>>, stack, depth, max),
    do: continue(rest, stack, depth - 1, max, %{})

  defp object_open(bin, stack, depth, max), do: key(bin, [:key, [] | stack], depth, max)

  defp key(<<?", rest::bits>>, stack, depth, max),
    do: string(rest, rest, 0, [], stack, depth, max)

  defp key(rest, _stack, _depth, _max),
    do: throw({:json_decode, "expected a string key in an object", rest})

  defp colon(<<c, rest::bits>>, stack, depth, max) when ws?(c), do: colon(rest, stack, depth, max)
  defp colon(<<?:, rest::bits>>, stack, depth, max), do: value(rest, stack, depth, max)

  defp colon(rest, _stack, _depth, _max),
    do: throw({:json_decode, "expected ':' after an object key", rest})

  defp object_next(<<c, rest::bits>>, acc, stack, depth, max) when ws?(c),
    do: object_next(rest, acc, stack, depth, max)

  defp object_next(<<?,, rest::bits>>, acc, stack, depth, max),
    do: next_key(rest, [:key, acc | stack], depth, max)

  # :maps.from_list keeps the last value of a duplicate key, hence the reverse.
  defp object_next(<<?}, rest::bits>>, acc, stack, depth, max),
    do: continue(rest, stack, depth - 1, max, :maps.from_list(:lists.reverse(acc)))

  defp object_next(rest, _acc, _stack, _depth, _max),
    do: throw({:json_decode, "expected ',' or '}' in an object", rest})

  defp next_key(<<c, rest::bits>>, stack, depth, max) when ws?(c),
    do: next_key(rest, stack, depth, max)

  defp next_key(bin, stack, depth, max), do: key(bin, stack, depth, max)

  # -- strings ---------------------------------------------------------------

  # `bin` is the input after an opening quote or an escape; `run` is where
  # the current run of plain bytes starts and `n` its length so far; `acc`
  # the decoded text before the run (iodata, [] when there was no escape).
  # Plain bytes are printable ASCII other than '"' and '\', and valid UTF-8
  # sequences (`::utf8` rejects overlong forms, surrogates and code points
  # above U+10FFFF).
  defp string(<<?", rest::bits>>, run, n, acc, stack, depth, max) do
    text =
      case acc do
        [] -> binary_part(run, 0, n)
        _ -> IO.iodata_to_binary([acc | binary_part(run, 0, n)])
      end

    continue(rest, stack, depth, max, text)
  end

  # Four plain ASCII bytes at a time first (ids, names, keys): ~1.5x faster
  # on a 36-byte id than byte by byte.
  defp string(<<a, b, c, d, rest::bits>>, run, n, acc, stack, depth, max)
       when plain?(a) and plain?(b) and plain?(c) and plain?(d),
       do: string(rest, run, n + 4, acc, stack, depth, max)

  defp string(<<c, rest::bits>>, run, n, acc, stack, depth, max)
       when c >= 0x20 and c < 0x80 and c != ?\\,
       do: string(rest, run, n + 1, acc, stack, depth, max)

  defp string(<<?\\, rest::bits>>, run, n, acc, stack, depth, max) do
    {decoded, rest} = escape(rest)
    string(rest, rest, 0, [acc, binary_part(run, 0, n) | decoded], stack, depth, max)
  end

  defp string(<<c::utf8, rest::bits>>, run, n, acc, stack, depth, max) when c >= 0x80,
    do: string(rest, run, n + utf8_size(c), acc, stack, depth, max)

  defp string(_bin, run, _n, _acc, _stack, _depth, _max), do: bad_run(run)

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
  # The scanner measures the lexeme and notes its kind, then Erlang converts it.

  defp number(bin, stack, depth, max) do
    {len, kind} = sign(bin, 0)
    <<lexeme::binary-size(len), rest::bits>> = bin
    continue(rest, stack, depth, max, convert(lexeme, kind, bin))
  end

  defp sign(<<?-, rest::binary>>, n), do: int(rest, n + 1)
  defp sign(rest, n), do: int(rest, n)

  defp int(<<?0, rest::binary>>, n), do: frac(rest, n + 1)
  defp int(<<c, rest::binary>>, n) when c in ?1..?9, do: int_digits(rest, n + 1)
  defp int(rest, _n), do: throw({:json_decode, "invalid number", rest})

  defp int_digits(<<c, rest::binary>>, n) when c in ?0..?9, do: int_digits(rest, n + 1)
  defp int_digits(rest, n), do: frac(rest, n)

  defp frac(<<?., c, rest::binary>>, n) when c in ?0..?9, do: frac_digits(rest, n + 2)
  defp frac(<<?., _::binary>> = rest, _n), do: throw({:json_decode, "invalid number", rest})
  defp frac(rest, n), do: exp(rest, n, :integer)

  defp frac_digits(<<c, rest::binary>>, n) when c in ?0..?9, do: frac_digits(rest, n + 1)
  defp frac_digits(rest, n), do: exp(rest, n, :float)

  # An exponent without a fraction is noted as :exponent: Erlang wants a
  # fraction before it ("1e5" -> "1.0e5").
  defp exp(<<e, s, c, rest::binary>>, n, kind)
       when e in [?e, ?E] and s in [?+, ?-] and c in ?0..?9,
       do: {count_digits(rest, n + 3), exp_kind(kind)}

  defp exp(<<e, c, rest::binary>>, n, kind) when e in [?e, ?E] and c in ?0..?9,
    do: {count_digits(rest, n + 2), exp_kind(kind)}

  defp exp(<<e, _::binary>> = rest, _n, _kind) when e in [?e, ?E],
    do: throw({:json_decode, "invalid number", rest})

  defp exp(_rest, n, kind), do: {n, kind}

  defp exp_kind(:integer), do: :exponent
  defp exp_kind(:float), do: :float

  defp count_digits(<<c, rest::binary>>, n) when c in ?0..?9, do: count_digits(rest, n + 1)
  defp count_digits(_rest, n), do: n

  defp convert(lexeme, :integer, _at), do: :erlang.binary_to_integer(lexeme)
  defp convert(lexeme, :float, at), do: to_float(lexeme, at)

  defp convert(lexeme, :exponent, at) do
    [mantissa, exponent] = :binary.split(lexeme, ["e", "E"])
    to_float(<<mantissa::binary, ".0e", exponent::binary>>, at)
  end

  defp to_float(lexeme, at) do
    :erlang.binary_to_float(lexeme)
  rescue
    ArgumentError -> throw({:json_decode, "number out of range", at})
  end
end
