defmodule OpenSentience.JSONTest do
  use ExUnit.Case, async: true

  alias OpenSentience.JSON
  alias OpenSentience.JSON.{DecodeError, EncodeError}

  defp roundtrip(term), do: term |> JSON.encode!() |> JSON.decode!()

  describe "decode" do
    test "scalars" do
      assert JSON.decode("null") == {:ok, nil}
      assert JSON.decode("true") == {:ok, true}
      assert JSON.decode(" false ") == {:ok, false}
      assert JSON.decode("0") == {:ok, 0}
      assert JSON.decode("-0") == {:ok, 0}
      assert JSON.decode("-12") == {:ok, -12}

      assert JSON.decode("123456789012345678901234567890") ==
               {:ok, 123_456_789_012_345_678_901_234_567_890}

      assert JSON.decode(~s("hi")) == {:ok, "hi"}
    end

    test "numbers with fraction and exponent are floats" do
      assert JSON.decode("1.5") == {:ok, 1.5}
      assert JSON.decode("-0.25") == {:ok, -0.25}
      assert JSON.decode("1e3") == {:ok, 1000.0}
      assert JSON.decode("1E+3") == {:ok, 1000.0}
      assert JSON.decode("2.5e-3") == {:ok, 0.0025}
      assert JSON.decode("-1.0E2") == {:ok, -100.0}
    end

    test "containers, whitespace, duplicate keys (last wins)" do
      assert JSON.decode(~s( { "a" : [1, 2, {"b": null}], "c": {} , "d": [] } \n)) ==
               {:ok, %{"a" => [1, 2, %{"b" => nil}], "c" => %{}, "d" => []}}

      assert JSON.decode(~s({"k": 1, "k": 2})) == {:ok, %{"k" => 2}}
    end

    test "string escapes" do
      assert JSON.decode(~S("a\"b\\c\/d\b\f\n\r\t")) == {:ok, "a\"b\\c/d\b\f\n\r\t"}
      assert JSON.decode(~S("\u00e9\u4e2d")) == {:ok, "é中"}
      assert JSON.decode(~S("\u0000")) == {:ok, <<0>>}
    end

    test "surrogate pairs join into one code point" do
      assert JSON.decode(~S("\ud83d\ude00")) == {:ok, "😀"}
      assert JSON.decode(~S("x\uD834\uDD1Ey")) == {:ok, "x𝄞y"}
    end

    test "raw UTF-8 passes through" do
      assert JSON.decode(~s("héllo 😀 中文")) == {:ok, "héllo 😀 中文"}
    end

    test "rejects invalid input" do
      bad = [
        "",
        " ",
        "nul",
        "tru",
        "[1,]",
        "[1 2]",
        ~s({"a" 1}),
        ~s({"a":1,}),
        ~s({a:1}),
        "{'a':1}",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "+1",
        "NaN",
        "Infinity",
        "1e400",
        ~s("abc),
        ~s("a\x01b"),
        ~s("tab\there"),
        ~S("\x"),
        ~S("\u12"),
        ~S("\uzzzz"),
        ~S("\ud83d"),
        ~S("\ud83dx"),
        ~S("\ud83d\u0041"),
        ~S("\ude00"),
        <<?", 0xFF, ?">>,
        <<?", 0xC3, ?">>,
        <<?", 0xED, 0xA0, 0x80, ?">>,
        "[1] x",
        "{} {}",
        "[",
        "]"
      ]

      for input <- bad do
        assert {:error, %DecodeError{}} = JSON.decode(input), "accepted #{inspect(input)}"
      end
    end

    test "errors carry the byte position" do
      assert {:error, %DecodeError{position: 4}} = JSON.decode("[1, x]")
      assert {:error, %DecodeError{} = e} = JSON.decode("[1, x]")
      assert Exception.message(e) =~ "byte 4"
    end

    test "string errors: reason, and the start of the offending run as position" do
      assert {:error, %DecodeError{reason: "control character in a string", position: 8}} =
               JSON.decode("[\"ab\", \"c\x01d\"]")

      # After an escape, the next run starts after it.
      assert {:error, %DecodeError{reason: "control character in a string", position: 11}} =
               JSON.decode("[\"ok\", \"a\\nb\x02\"]")

      assert {:error, %DecodeError{reason: "invalid UTF-8 in a string", position: 2}} =
               JSON.decode(<<?[, ?", ?a, 0xFF, ?", ?]>>)

      # A control character wins over invalid UTF-8 in the same run.
      assert {:error, %DecodeError{reason: "control character in a string", position: 1}} =
               JSON.decode(<<?", ?x, 0xC3, 1, ?">>)

      assert {:error, %DecodeError{reason: "unterminated string", position: 5}} =
               JSON.decode("[\"abc")

      assert {:error, %DecodeError{reason: "unterminated string"}} = JSON.decode(<<?", 1>>)
    end

    test "long strings, with and without escapes" do
      plain = String.duplicate("héllo 😀 ", 10_000)
      assert JSON.decode(~s("#{plain}")) == {:ok, plain}
      escaped = String.duplicate("a\"b\\c\n", 5_000)
      assert {:ok, ^escaped} = escaped |> JSON.encode!() |> JSON.decode()
    end

    test "nesting is bounded" do
      deep = String.duplicate("[", 600) <> String.duplicate("]", 600)
      assert {:error, %DecodeError{}} = JSON.decode(deep)
      assert {:ok, _} = JSON.decode(deep, max_depth: 600)
      assert {:error, _} = JSON.decode("[[1]]", max_depth: 1)
    end

    test "nesting limit is exact, for arrays and objects alike" do
      nest = fn n -> String.duplicate(~s({"a":[), n) <> "1" <> String.duplicate("]}", n) end
      # nest.(n) is 2n levels deep.
      assert {:ok, _} = JSON.decode(nest.(5), max_depth: 10)

      assert {:error, %DecodeError{reason: "nesting deeper than 9"}} =
               JSON.decode(nest.(5), max_depth: 9)

      assert {:ok, _} = JSON.decode(String.duplicate("[", 512) <> String.duplicate("]", 512))
      # The bound holds long before the end of a hostile input, and nothing overflows.
      assert {:error, %DecodeError{position: 513}} = JSON.decode(String.duplicate("[", 100_000))
      assert {:ok, 7} = JSON.decode("7", max_depth: 0)
      assert {:error, _} = JSON.decode("[]", max_depth: 0)
    end

    test "whitespace wherever the grammar allows it, nowhere else" do
      assert JSON.decode(" \t\r\n{ \"a\" \n: [ 1 , \"x\" ] , \"b\":{ } }\n ") ==
               {:ok, %{"a" => [1, "x"], "b" => %{}}}

      assert {:error, _} = JSON.decode("t rue")
      assert {:error, _} = JSON.decode("- 1")
      assert {:error, _} = JSON.decode("\v1")
    end

    test "numbers: edges of the grammar" do
      assert JSON.decode("[0,-0,10,1E2,1e-2,0.5e+1,-0.0,99999999999999999999]") ==
               {:ok, [0, 0, 10, 100.0, 0.01, 5.0, -0.0, 99_999_999_999_999_999_999]}

      assert JSON.decode("1.7976931348623157e308") == {:ok, 1.7976931348623157e308}
      assert JSON.decode(~s({"n":-12.5e-1})) == {:ok, %{"n" => -1.25}}

      for bad <- ["00", "-01", "1.e2", "1e", "1.5e+", "0x10", "1_000", "--1", "1.2.3", "[1e999]"] do
        assert {:error, %DecodeError{}} = JSON.decode(bad), "accepted #{inspect(bad)}"
      end
    end

    test "keys: escapes, unicode, empty; values of every kind" do
      assert JSON.decode(~S({"":1,"a\"b":2,"é😀":3,"\u00e9":4,"k":"v\u0041"})) ==
               {:ok, %{"" => 1, "a\"b" => 2, "é😀" => 3, "é" => 4, "k" => "vA"}}

      assert JSON.decode(~S([true,false,null,"",{},[],[[]],{"a":{}}])) ==
               {:ok, [true, false, nil, "", %{}, [], [[]], %{"a" => %{}}]}
    end

    test "escapes mixed with raw UTF-8, at the start and the end of strings" do
      assert JSON.decode(~S("\né😀\t中\u0041\\")) == {:ok, "\né😀\t中A\\"}
      assert JSON.decode(~S("\"")) == {:ok, ~s(")}
      assert JSON.decode(~S(["\\","\/"])) == {:ok, ["\\", "/"]}
    end

    test "structural errors: reason and position" do
      assert {:error, %DecodeError{reason: "expected ':' after an object key", position: 5}} =
               JSON.decode(~s({"a" 1}))

      assert {:error, %DecodeError{reason: "expected a string key in an object", position: 1}} =
               JSON.decode("{a:1}")

      assert {:error, %DecodeError{reason: "expected a string key in an object", position: 7}} =
               JSON.decode(~s({"a":1,}))

      assert {:error, %DecodeError{reason: "expected ',' or '}' in an object", position: 6}} =
               JSON.decode(~s({"a":1]))

      assert {:error, %DecodeError{reason: "expected ',' or ']' in an array", position: 3}} =
               JSON.decode("[1 2]")

      assert {:error, %DecodeError{reason: "unexpected data after the value", position: 4}} =
               JSON.decode("[1] x")

      assert {:error, %DecodeError{reason: "unexpected end of input", position: 5}} =
               JSON.decode(~s({"a":))

      assert {:error, %DecodeError{reason: "invalid escape sequence", position: 3}} =
               JSON.decode(~S("a\x"))
    end

    test "a frame cut at any byte, or with any byte replaced, is an error, never a crash" do
      frame =
        ~s({"v":1,"type":"tool.call","id":"c1","request_id":"r1","payload":{"tool":"echo",) <>
          ~S("arguments":{"text":"h\u00e9llo \\ 😀","n":[1,-2.5e3,true,null]},"timeout_ms":5000}})

      assert {:ok, %{"payload" => %{"arguments" => %{"text" => "héllo \\ 😀"}}}} =
               JSON.decode(frame)

      for cut <- 0..(byte_size(frame) - 1) do
        assert {:error, %DecodeError{}} = JSON.decode(binary_part(frame, 0, cut))
      end

      for at <- 0..(byte_size(frame) - 1), byte <- [0, ?", ?\\, ?{, ?], 0xFF, ?,] do
        <<pre::binary-size(at), _, post::binary>> = frame

        assert match?({:ok, _}, JSON.decode(pre <> <<byte>> <> post)) or
                 match?({:error, %DecodeError{}}, JSON.decode(pre <> <<byte>> <> post))
      end
    end

    test "random bytes never crash the decoder" do
      :rand.seed(:exsss, {3, 2, 1})

      for _ <- 1..2_000 do
        input =
          for _ <- 1..:rand.uniform(40),
              into: "",
              do: <<Enum.random(~c'{}[]":,\\ 01-.eE"tfnul\x00\xC3\xA9')>>

        assert match?({:ok, _}, JSON.decode(input)) or
                 match?({:error, %DecodeError{}}, JSON.decode(input))
      end
    end

    test "non-binaries are rejected" do
      assert {:error, %DecodeError{}} = JSON.decode(:nope)
    end
  end

  describe "encode" do
    test "scalars" do
      assert JSON.encode(nil) == {:ok, "null"}
      assert JSON.encode(true) == {:ok, "true"}
      assert JSON.encode(:hello) == {:ok, ~s("hello")}
      assert JSON.encode(42) == {:ok, "42"}
      assert JSON.encode(1.5) == {:ok, "1.5"}
      assert JSON.encode(1.0e300) == {:ok, "1.0e300"}
    end

    test "strings are escaped" do
      assert JSON.encode("a\"b\\c\n\r\t\b\f") == {:ok, ~S("a\"b\\c\n\r\t\b\f")}
      assert JSON.encode(<<1, 31>>) == {:ok, ~S("\u0001\u001F")}
      assert JSON.encode("é😀/") == {:ok, ~s("é😀/")}
    end

    test "maps with atom and string keys, lists, dates" do
      assert JSON.encode(%{a: [1, %{"b" => nil}]}) == {:ok, ~s({"a":[1,{"b":null}]})}
      assert JSON.encode(~D[2026-01-02]) == {:ok, ~s("2026-01-02")}
      assert JSON.encode(%{}) == {:ok, "{}"}
      assert JSON.encode([]) == {:ok, "[]"}
    end

    test "rejects what JSON cannot represent, without quoting the value" do
      for term <- [
            {:a, 1},
            self(),
            make_ref(),
            fn -> 1 end,
            <<1::3>>,
            %{1 => 2},
            [1 | 2],
            <<0xFF>>,
            URI.parse("x:y")
          ] do
        assert {:error, %EncodeError{reason: reason}} = JSON.encode(term),
               "accepted #{inspect(term)}"

        refute inspect(reason) =~ "secret"
      end

      assert {:error, %EncodeError{reason: {:unsupported_type, :tuple}}} = JSON.encode({"secret"})
      assert {:error, %EncodeError{reason: :duplicate_key}} = JSON.encode(%{:a => 1, "a" => 2})
    end

    test "invalid UTF-8 is rejected wherever it is, keys included" do
      for bad <- [<<0xFF>>, <<"ok", 0xC3>>, <<"a\n", 0xED, 0xA0, 0x80>>, <<0xC0, 0x80>>] do
        assert {:error, %EncodeError{reason: :invalid_utf8}} = JSON.encode(bad)
        assert {:error, %EncodeError{reason: :invalid_utf8}} = JSON.encode(%{bad => 1})
      end
    end

    test "max_depth" do
      assert {:ok, _} = JSON.encode([[1]], max_depth: 2)
      assert {:error, %EncodeError{reason: {:too_deep, 1}}} = JSON.encode([[1]], max_depth: 1)
    end
  end

  test "round trips" do
    values = [
      %{"nested" => %{"list" => [1, -2.5, "x", true, false, nil, [], %{}]}},
      "quote \" backslash \\ controls \u0000\u001f unicode é 😀 𝄞",
      [1.0e-7, 123_456_789.125, -0.0, 1.7976931348623157e308, 5.0e-324],
      Enum.map(0..200, &<<&1::utf8>>) |> Enum.join()
    ]

    for value <- values, do: assert(roundtrip(value) == value)
  end

  test "round trips random terms" do
    :rand.seed(:exsss, {1, 2, 3})

    for _ <- 1..200 do
      value = random_term(4)
      assert roundtrip(value) == value
    end
  end

  defp random_term(0), do: random_scalar()

  defp random_term(depth) do
    case :rand.uniform(4) do
      1 -> for _ <- 1..:rand.uniform(4), do: random_term(depth - 1)
      2 -> Map.new(1..:rand.uniform(4), fn _ -> {random_string(), random_term(depth - 1)} end)
      _ -> random_scalar()
    end
  end

  defp random_scalar do
    case :rand.uniform(6) do
      1 -> nil
      2 -> :rand.uniform(2) == 1
      3 -> :rand.uniform(1_000_000_000_000) - 500_000_000_000
      4 -> :rand.uniform() * :math.pow(10, :rand.uniform(40) - 20)
      _ -> random_string()
    end
  end

  defp random_string do
    for _ <- 1..:rand.uniform(8), into: "" do
      Enum.random([?a, ?", ?\\, 0, 10, 0xE9, 0x4E2D, 0x1F600, 0x7F, 0x2028])
      |> then(&<<&1::utf8>>)
    end
  end
end
