defmodule OpenSentience.Agent.Supervisor do
  @moduledoc false
  # Supervises one running agent: a Task.Supervisor for its calls and the
  # connection. Nothing is restarted: the connection's token is single use, so
  # when the connection ends (or anything crashes) the whole agent stops, and
  # the calls' processes with it. `auto_shutdown` makes a normal end of the
  # connection stop this supervisor quietly.

  use Supervisor

  alias OpenSentience.Agent.{Config, Connection, Spec}

  @spec start_link(Spec.t(), Config.t()) :: Supervisor.on_start()
  def start_link(%Spec{} = spec, %Config{} = config) do
    Supervisor.start_link(__MODULE__, {spec, config})
  end

  @impl true
  def init({spec, config}) do
    # Calls run in processes the connection links to itself (see
    # OpenSentience.Agent.Calls), not under a Task.Supervisor: starting a
    # supervised task is a synchronous request per call.
    children = [
      %{
        id: Connection,
        start: {Connection, :start_link, [spec, config]},
        restart: :transient,
        significant: true
      }
    ]

    # Erlang-style flags: Elixir 1.14's Supervisor.init/2 does not pass auto_shutdown.
    flags = %{strategy: :one_for_all, intensity: 0, period: 1, auto_shutdown: :any_significant}
    {:ok, {flags, Enum.map(children, &Supervisor.child_spec(&1, []))}}
  end
end
