defmodule InvokerAgent.Tools.Shout do
  @moduledoc "Echoes a text through the echo example agent and returns it upper-cased."

  @echo "com.opensentience.examples.echo/echo"

  use OpenSentience.Tool,
    permissions: ["tool:invoke:#{@echo}"],
    input_schema: %{
      "type" => "object",
      "required" => ["text"],
      "properties" => %{"text" => %{"type" => "string"}}
    },
    output_schema: %{
      "type" => "object",
      "properties" => %{"text" => %{"type" => "string"}}
    }

  alias OpenSentience.Context

  @impl true
  def call(%{"text" => text}, ctx) when is_binary(text) do
    case Context.invoke(ctx, @echo, %{"text" => text}) do
      {:ok, %{"text" => echoed}} when is_binary(echoed) ->
        {:ok, %{text: String.upcase(echoed)}}

      {:ok, _other} ->
        {:error, :internal, "#{@echo} returned an unexpected output"}

      # Pass the callee's error on as is (permission_denied, agent_unavailable, ...).
      {:error, %{message: message} = error} ->
        {:error, %{error | message: "#{@echo} failed: #{message}"}}
    end
  end
end
