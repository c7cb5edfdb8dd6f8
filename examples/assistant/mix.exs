defmodule AssistantAgent.MixProject do
  use Mix.Project

  def project do
    [
      app: :assistant_agent,
      version: "0.1.0",
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      deps: deps()
    ]
  end

  # This example also shows the supervision-tree style: the application starts
  # the agent itself (see AssistantAgent.Application), which is what the
  # `mix_run` entrypoint needs; `mix opensentience.agent` works with it too.
  def application do
    [extra_applications: [:logger], mod: {AssistantAgent.Application, []}]
  end

  # The core sets OPENSENTIENCE_SDK_PATH when it builds an installed agent;
  # the fallback works inside the OpenSentience source tree.
  defp deps do
    [
      {:opensentience_agent_sdk,
       path: System.get_env("OPENSENTIENCE_SDK_PATH") || "../../sdk/elixir"}
    ]
  end
end
