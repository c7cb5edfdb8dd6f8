defmodule OpenSentience.Application do
  @moduledoc false
  # The SDK's own application. It only hosts the dynamic supervisor under which
  # `mix opensentience.agent` starts the agent; an agent can instead put its
  # agent module in its own supervision tree (see OpenSentience.Agent).

  use Application

  @impl true
  def start(_type, _args) do
    children = [{DynamicSupervisor, name: OpenSentience.AgentSupervisor, strategy: :one_for_one}]
    Supervisor.start_link(children, strategy: :one_for_one, name: OpenSentience.Supervisor)
  end
end
