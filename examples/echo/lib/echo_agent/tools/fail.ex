defmodule EchoAgent.Tools.Fail do
  @moduledoc """
  Returns a structured error (for testing). Arguments choose it: `code` (one of
  the protocol's error codes, default "invalid_arguments"), `message`
  (default "failure requested") and `retryable` (default false).
  """

  use OpenSentience.Tool,
    input_schema: %{
      "type" => "object",
      "properties" => %{
        "code" => %{"type" => "string"},
        "message" => %{"type" => "string"},
        "retryable" => %{"type" => "boolean"}
      }
    }

  @impl true
  def call(args, _ctx) do
    {:error,
     %{
       code: string(args["code"], "invalid_arguments"),
       message: string(args["message"], "failure requested"),
       retryable?: args["retryable"] == true,
       details: %{requested: true}
     }}
  end

  defp string(value, _default) when is_binary(value) and value != "", do: value
  defp string(_value, default), do: default
end
