defmodule OpenSentience.JSON.Encoder do
  @moduledoc false
  # Encoder half of OpenSentience.JSON. Builds iodata, then one binary.
  # Errors are thrown as {:json_encode, reason} and caught in encode/1; reasons
  # never contain the offending value (it could be a secret), only its kind.

  alias OpenSentience.JSON.EncodeError

  @time_structs [Date, Time, NaiveDateTime, DateTime]

  # Printable ASCII other than '"' and '\\': written into a string as it is.
  defmacrop plain?(c),
    do:
      quote(
        do: unquote(c) >= 0x20 and unquote(c) < 0x80 and unquote(c) != ?" and unquote(c) != ?\\
      )

  @spec encode(term(), keyword()) :: {:ok, binary()} | {:error, EncodeError.t()}
  def encode(term, opts \\ []) do
    {:ok, IO.iodata_to_binary(value(term, 0, max_depth(opts)))}
  catch
    {:json_encode, reason} -> {:error, %EncodeError{reason: reason}}
  end

  @doc """
  Encodes an object given as a list of `{key, value}` pairs, in that order.
  The keys are strings the caller guarantees to be distinct (a frame
  envelope): no map is built, sorted or checked for duplicate keys.
  """
  @spec encode_pairs([{String.t(), term()}], keyword()) ::
          {:ok, binary()} | {:error, EncodeError.t()}
  def encode_pairs([{key, val} | rest], opts) do
    m = max_depth(opts)
    d = enter(0, m)
    {:ok, IO.iodata_to_binary([?{, string(key), ?:, value(val, d, m) | members(rest, d, m)])}
  catch
    {:json_encode, reason} -> {:error, %EncodeError{reason: reason}}
  end

  defp max_depth([]), do: :infinity
  defp max_depth(opts), do: Keyword.get(opts, :max_depth, :infinity)

  defp value(nil, _d, _m), do: "null"
  defp value(true, _d, _m), do: "true"
  defp value(false, _d, _m), do: "false"
  defp value(atom, _d, _m) when is_atom(atom), do: string(Atom.to_string(atom))
  defp value(bin, _d, _m) when is_binary(bin), do: string(bin)
  defp value(int, _d, _m) when is_integer(int), do: Integer.to_string(int)
  defp value(float, _d, _m) when is_float(float), do: :erlang.float_to_binary(float, [:short])
  defp value(list, d, m) when is_list(list), do: array(list, enter(d, m), m)

  defp value(%{__struct__: mod} = struct, _d, _m) when mod in @time_structs,
    do: string(mod.to_iso8601(struct))

  defp value(%{__struct__: mod}, _d, _m), do: throw({:json_encode, {:unsupported_struct, mod}})
  defp value(map, d, m) when is_map(map), do: object(map, enter(d, m), m)
  defp value(other, _d, _m), do: throw({:json_encode, {:unsupported_type, kind(other)}})

  defp enter(depth, max) do
    if max != :infinity and depth + 1 > max, do: throw({:json_encode, {:too_deep, max}})
    depth + 1
  end

  defp array([], _d, _m), do: "[]"
  defp array([first | rest], d, m), do: [?[, value(first, d, m) | array_rest(rest, d, m)]

  defp array_rest([], _d, _m), do: [?]]
  defp array_rest([item | rest], d, m), do: [?,, value(item, d, m) | array_rest(rest, d, m)]
  defp array_rest(_improper, _d, _m), do: throw({:json_encode, :improper_list})

  defp object(map, _d, _m) when map_size(map) == 0, do: "{}"

  # Keys are all checked (and, only for maps mixing atom and string keys,
  # checked for collisions) before any value is encoded, so the error for a
  # map with several problems does not depend on the encoding order.
  defp object(map, d, m) do
    [{key, val} | rest] = pairs = :maps.to_list(map)
    if mixed_keys?(pairs, false, false), do: check_unique_keys(pairs, map_size(map))
    [?{, string(key(key)), ?:, value(val, d, m) | members(rest, d, m)]
  end

  defp members([], _d, _m), do: [?}]

  defp members([{key, val} | rest], d, m),
    do: [?,, string(key(key)), ?:, value(val, d, m) | members(rest, d, m)]

  defp key(key) when is_binary(key), do: key
  defp key(key) when is_atom(key), do: Atom.to_string(key)
  defp key(other), do: throw({:json_encode, {:unsupported_key, kind(other)}})

  # Validates every key's type; true when both atom and string keys occur.
  defp mixed_keys?([], atoms?, strings?), do: atoms? and strings?

  defp mixed_keys?([{k, _} | rest], atoms?, _) when is_binary(k),
    do: mixed_keys?(rest, atoms?, true)

  defp mixed_keys?([{k, _} | rest], _, strings?) when is_atom(k),
    do: mixed_keys?(rest, true, strings?)

  defp mixed_keys?([{k, _} | _], _, _), do: throw({:json_encode, {:unsupported_key, kind(k)}})

  # %{:a => 1, "a" => 2} would produce a duplicate key; only possible with mixed keys.
  defp check_unique_keys(pairs, size) do
    unique = pairs |> Enum.map(fn {k, _} -> key(k) end) |> Enum.uniq() |> length()
    if unique != size, do: throw({:json_encode, :duplicate_key})
  end

  # Strings are scanned once, byte by byte, in a loop that allocates nothing
  # and validates UTF-8 on the way: the common string needs no escaping and
  # is emitted as it is, without being copied.
  defp string(bin) do
    case plain_length(bin, 0) do
      n when n == byte_size(bin) -> [?", bin, ?"]
      n -> [?", escape(bin, n), ?"]
    end
  end

  # Length of the leading bytes that can appear in a JSON string as they
  # are: printable ASCII other than '"' and '\', and valid UTF-8 sequences
  # (`::utf8` rejects overlong forms, surrogates and code points above
  # U+10FFFF). Stops at a byte to escape; throws on invalid UTF-8.
  # Four plain ASCII bytes at a time first (ids, names, keys).
  defp plain_length(<<a, b, c, d, rest::binary>>, n)
       when plain?(a) and plain?(b) and plain?(c) and plain?(d),
       do: plain_length(rest, n + 4)

  defp plain_length(<<c, rest::binary>>, n) when plain?(c), do: plain_length(rest, n + 1)

  defp plain_length(<<c::utf8, rest::binary>>, n) when c >= 0x80,
    do: plain_length(rest, n + utf8_size(c))

  defp plain_length(<<c, _::binary>>, n) when c < 0x20 or c == ?" or c == ?\\, do: n
  defp plain_length(<<>>, n), do: n
  defp plain_length(_invalid, _n), do: throw({:json_encode, :invalid_utf8})

  defp utf8_size(c) when c < 0x800, do: 2
  defp utf8_size(c) when c < 0x10000, do: 3
  defp utf8_size(_c), do: 4

  # `bin` starts with `n` plain bytes followed by one that needs escaping.
  defp escape(bin, n) do
    <<plain::binary-size(n), char, rest::binary>> = bin

    case plain_length(rest, 0) do
      m when m == byte_size(rest) -> [plain, escape_char(char), rest]
      m -> [plain, escape_char(char) | escape(rest, m)]
    end
  end

  defp escape_char(?"), do: ~S(\")
  defp escape_char(?\\), do: ~S(\\)
  defp escape_char(?\n), do: ~S(\n)
  defp escape_char(?\r), do: ~S(\r)
  defp escape_char(?\t), do: ~S(\t)
  defp escape_char(?\b), do: ~S(\b)
  defp escape_char(?\f), do: ~S(\f)

  defp escape_char(char) do
    hex = char |> Integer.to_string(16) |> String.pad_leading(4, "0")
    ["\\u", hex]
  end

  defp kind(term) when is_tuple(term), do: :tuple
  defp kind(term) when is_pid(term), do: :pid
  defp kind(term) when is_reference(term), do: :reference
  defp kind(term) when is_function(term), do: :function
  defp kind(term) when is_port(term), do: :port
  defp kind(term) when is_bitstring(term), do: :bitstring
  defp kind(term) when is_float(term), do: :float
  defp kind(term) when is_integer(term), do: :integer
  defp kind(term) when is_map(term), do: :map
  defp kind(term) when is_list(term), do: :list
  defp kind(_term), do: :unknown
end
