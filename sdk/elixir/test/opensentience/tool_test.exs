defmodule OpenSentience.ToolTest do
  use ExUnit.Case, async: true

  alias OpenSentience.Tool
  alias OpenSentience.Test.Tools

  defmodule Minimal.SlowThing do
    @moduledoc """
    Does a slow thing.

    More text that is not part of the description.
    """
    use OpenSentience.Tool

    @impl true
    def call(_args, _ctx), do: {:ok, nil}
  end

  defmodule Custom do
    use OpenSentience.Tool, name: "custom", permissions: ["env:read:HOME"], timeout_ms: 5_000

    @impl true
    def description, do: "computed at runtime"

    @impl true
    def call(_args, _ctx), do: {:ok, nil}
  end

  test "defaults make a minimal tool tiny" do
    assert {:ok, d} = Tool.descriptor(Minimal.SlowThing)

    assert d == %{
             name: "slow_thing",
             description: "Does a slow thing.",
             input_schema: %{"type" => "object"},
             permissions: [],
             streaming: false,
             cancellable: false
           }
  end

  test "options and overridden callbacks end up in the descriptor" do
    assert {:ok, d} = Tool.descriptor(Custom)

    assert %{
             name: "custom",
             description: "computed at runtime",
             permissions: ["env:read:HOME"],
             timeout_ms: 5_000
           } = d

    assert {:ok, %{streaming: true, cancellable: true}} = Tool.descriptor(Tools.Stream)
  end

  test "descriptor/1 rejects modules that are not tools" do
    assert {:error, message} = Tool.descriptor(String)
    assert message =~ "does not use OpenSentience.Tool"
  end

  test "bad options fail at compile time" do
    assert_raise ArgumentError, ~r/must match/, fn ->
      Code.compile_string("""
      defmodule OpenSentience.ToolTest.BadName do
        use OpenSentience.Tool, name: "Bad-Name"
        def call(_, _), do: {:ok, nil}
      end
      """)
    end

    assert_raise ArgumentError, ~r/unknown option/, fn ->
      Code.compile_string("""
      defmodule OpenSentience.ToolTest.BadOpt do
        use OpenSentience.Tool, nmae: "x"
        def call(_, _), do: {:ok, nil}
      end
      """)
    end

    assert_raise ArgumentError, ~r/permissions/, fn ->
      Code.compile_string("""
      defmodule OpenSentience.ToolTest.BadPerm do
        use OpenSentience.Tool, permissions: ["everything"]
        def call(_, _), do: {:ok, nil}
      end
      """)
    end
  end

  test "permission?/1" do
    assert Tool.permission?("tool:invoke:com.x.y/*")
    assert Tool.permission?("process:spawn")
    refute Tool.permission?("spawn")
    refute Tool.permission?(nil)
  end
end
