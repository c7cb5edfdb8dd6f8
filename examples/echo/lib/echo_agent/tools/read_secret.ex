defmodule EchoAgent.Tools.ReadSecret do
  @moduledoc """
  Says whether ECHO_EXAMPLE_SECRET is set, never its value.

  The core's launcher passes an environment variable to an agent only when its
  `env:read:<VAR>` permission is approved, so this shows whether the approval
  took effect.
  """

  @var "ECHO_EXAMPLE_SECRET"

  use OpenSentience.Tool,
    permissions: ["env:read:#{@var}"],
    output_schema: %{
      "type" => "object",
      "properties" => %{"present" => %{"type" => "boolean"}}
    }

  @impl true
  def call(_args, _ctx), do: {:ok, %{present: System.get_env(@var) not in [nil, ""]}}
end
