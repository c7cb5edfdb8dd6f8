defmodule EchoAgent.Tools.Crash do
  @moduledoc "Raises an exception (for testing: the caller gets an internal error)."

  use OpenSentience.Tool

  @impl true
  def call(_args, _ctx), do: raise("crash requested")
end
