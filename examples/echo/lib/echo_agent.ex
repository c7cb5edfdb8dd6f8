defmodule EchoAgent do
  @moduledoc """
  Example agent: small tools that exercise every part of the protocol
  (results, streaming, cancellation, permissions, errors).

  Run by the core with `mix opensentience.agent`, which finds this module.
  """

  use OpenSentience.Agent,
    tools: [
      EchoAgent.Tools.Echo,
      EchoAgent.Tools.Add,
      EchoAgent.Tools.SlowCount,
      EchoAgent.Tools.ReadSecret,
      EchoAgent.Tools.Crash,
      EchoAgent.Tools.Fail
    ]
end
