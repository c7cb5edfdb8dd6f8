defmodule InvokerAgent do
  @moduledoc """
  Example agent that calls another agent's tool through the core's router
  (`tool.invoke`): `shout` asks the echo example to echo a text, then upper-cases it.
  """

  use OpenSentience.Agent, tools: [InvokerAgent.Tools.Shout]
end
