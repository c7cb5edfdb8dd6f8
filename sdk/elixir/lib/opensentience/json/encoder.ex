defmodule OpenSentience.JSON.Encoder do
  @moduledoc false
  # Encoder half of OpenSentience.JSON. Builds iodata, then one binary.
  # Errors are thrown as {:json_encode, reason} and caught in encode/1; reasons
  # never contain the offending value (it could be a secret), only its kind.

  alias OpenSentience.JSON.EncodeError

  @escape_chars [~s("), "\\" | Enum.map(0..31, &<<&1>>)]
  @time_structs [Date, Time, NaiveDateTime, DateTime]

  @spec encode(term(), keyword()) :: {:ok, binary()} | {:error, EncodeError.t()}
  def encode(term, opts \\ []) do
    max_depth = Keyword.get(opts, :max_depth, :infinity)
    {:ok, IO.iodata_to_binary(value(term, 0, max_depth))}
  catch
    {:json_encode, reason} -> {:error, %EncodeError{reason: reason}}
  end

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

  defp object(map, d, m) do
    pairs = Enum.map(map, fn {key, val} -> {key(key), val} end)
    check_unique_keys(map, pairs)

    [?{, pairs |> Enum.map(fn {k, v} -> [string(k), ?:, value(v, d, m)] end) |> join(), ?}]
  end

  defp key(key) when is_binary(key), do: key
  defp key(key) when is_atom(key), do: Atom.to_string(key)
  defp key(other), do: throw({:json_encode, {:unsupported_key, kind(other)}})

  # %{:a => 1, "a" => 2} would produce a duplicate key; only possible with mixed keys.
  defp check_unique_keys(map, pairs) do
    mixed? =
      Enum.any?(map, fn {k, _} -> is_atom(k) end) and
        Enum.any?(map, fn {k, _} -> is_binary(k) end)

    if mixed? and length(Enum.uniq_by(pairs, &elem(&1, 0))) != map_size(map) do
      throw({:json_encode, :duplicate_key})
    end
  end

  defp join([first | rest]), do: [first | Enum.flat_map(rest, &[?,, &1])]

  defp string(bin) do
    if not String.valid?(bin), do: throw({:json_encode, :invalid_utf8})

    case :binary.match(bin, @escape_chars) do
      :nomatch -> [?", bin, ?"]
      _ -> [?", escape(bin, []), ?"]
    end
  end

  defp escape(bin, acc) do
    case :binary.match(bin, @escape_chars) do
      :nomatch ->
        Enum.reverse([bin | acc])

      {pos, 1} ->
        <<prefix::binary-size(pos), char, rest::binary>> = bin
        escape(rest, [escape_char(char), prefix | acc])
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
