defmodule EchoAgent.Tools.Echo do
  @moduledoc "Returns the text it was given."

  use OpenSentience.Tool,
    input_schema: %{
      "type" => "object",
      "required" => ["text"],
      "properties" => %{"text" => %{"type" => "string"}}
    },
    output_schema: %{
      "type" => "object",
      "properties" => %{"text" => %{"type" => "string"}}
    }

  @impl true
  def call(%{"text" => text}, _ctx) when is_binary(text), do: {:ok, %{text: text}}
end
