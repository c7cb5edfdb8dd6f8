defmodule OpenSentience.BootTest do
  # The agent lookup shared by the core's compiled launch and `mix opensentience.agent`.
  use ExUnit.Case, async: true

  alias OpenSentience.Boot

  test "a named module that uses OpenSentience.Agent is the agent (atom or string)" do
    assert Boot.find_agent(:opensentience_agent_sdk, OpenSentience.Test.Agent) == {:ok, OpenSentience.Test.Agent}
    assert Boot.find_agent(:opensentience_agent_sdk, "OpenSentience.Test.Agent") == {:ok, OpenSentience.Test.Agent}
  end

  test "a named module that is not an agent, or does not exist, is refused with its name" do
    assert {:error, message} = Boot.find_agent(:opensentience_agent_sdk, OpenSentience.Test.Tools.Echo)
    assert message =~ "OpenSentience.Test.Tools.Echo is not a module that uses OpenSentience.Agent"
    assert {:error, message} = Boot.find_agent(:opensentience_agent_sdk, "No.Such.Module")
    assert message =~ "No.Such.Module"
  end

  test "without a name: the single agent of the application, else an error naming the candidates" do
    # The SDK's own test build has several agents (test/support): the error lists them.
    assert {:error, message} = Boot.find_agent(:opensentience_agent_sdk, nil)
    assert message =~ "several agents"
    assert message =~ "OpenSentience.Test.Agent"
    assert {:error, "no module in :logger uses OpenSentience.Agent"} = Boot.find_agent(:logger, nil)
  end
end
