defmodule EchoAgent.Tools.Add do
  @moduledoc "Adds two numbers."

  use OpenSentience.Tool,
    input_schema: %{
      "type" => "object",
      "required" => ["a", "b"],
      "properties" => %{"a" => %{"type" => "number"}, "b" => %{"type" => "number"}}
    }

  @impl true
  def call(%{"a" => a, "b" => b}, _ctx) when is_number(a) and is_number(b),
    do: {:ok, %{sum: a + b}}
end
