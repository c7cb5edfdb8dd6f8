defmodule AssistantAgent.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    # The agent goes last, once everything its chat handler needs is up. It
    # connects only when the core's environment variables are set.
    children = [AssistantAgent]
    Supervisor.start_link(children, strategy: :one_for_one, name: AssistantAgent.Supervisor)
  end
end
