defmodule OpenSentience.Application do
  @moduledoc false
  # The SDK's own application. It hosts the egress bridge (only when the core
  # set OPENSENTIENCE_EGRESS_SOCKET; see OpenSentience.Egress) and the dynamic
  # supervisor under which `mix opensentience.agent` starts the agent; an agent
  # can instead put its agent module in its own supervision tree (see
  # OpenSentience.Agent). The bridge comes first, so the proxy settings are in
  # place before the agent's own application starts.

  use Application

  @impl true
  def start(_type, _args) do
    children = [
      OpenSentience.Egress,
      {DynamicSupervisor, name: OpenSentience.AgentSupervisor, strategy: :one_for_one}
    ]

    Supervisor.start_link(children, strategy: :one_for_one, name: OpenSentience.Supervisor)
  end
end
