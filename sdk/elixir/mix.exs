defmodule OpenSentience.AgentSDK.MixProject do
  use Mix.Project

  @version "0.1.0"

  def project do
    [
      app: :opensentience_agent_sdk,
      version: @version,
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      elixirc_paths: elixirc_paths(Mix.env()),
      deps: [],
      # :inets (:httpc) and :ssl/:public_key are started on demand by
      # OpenSentience.Egress and OpenSentience.HTTP, never at boot: agents
      # without network access do not pay for them.
      xref: [exclude: [:httpc, :public_key]],
      description: "Write OpenSentience agents in Elixir: tools, streaming, cancellation, chat.",
      docs: [main: "readme", extras: ["README.md"]]
    ]
  end

  def application do
    [
      extra_applications: [:logger],
      mod: {OpenSentience.Application, []}
    ]
  end

  defp elixirc_paths(:test), do: ["lib", "test/support"]
  defp elixirc_paths(_), do: ["lib"]
end
