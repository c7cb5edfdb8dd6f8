defmodule OpenSentience.Agent.ConfigTest do
  # Touches the process environment: not async.
  use ExUnit.Case, async: false

  alias OpenSentience.Agent.Config

  @vars Config.env_vars()

  setup do
    saved = Map.new(@vars, &{&1, System.get_env(&1)})
    Enum.each(@vars, &System.delete_env/1)

    on_exit(fn ->
      Enum.each(saved, fn
        {k, nil} -> System.delete_env(k)
        {k, v} -> System.put_env(k, v)
      end)
    end)
  end

  test "nothing configured: the agent child is ignored (iex -S mix, mix test)" do
    assert Config.resolve([]) == :disabled
    assert OpenSentience.Agent.start_link(OpenSentience.Test.Agent) == :ignore
  end

  test "a partial environment is an error naming what is missing" do
    System.put_env("OPENSENTIENCE_SOCKET", "/tmp/x.sock")

    assert Config.resolve([]) ==
             {:error, {:missing, ["OPENSENTIENCE_AGENT_ID", "OPENSENTIENCE_TOKEN"]}}
  end

  test "the environment is read, and the token removed from it" do
    System.put_env("OPENSENTIENCE_SOCKET", "/tmp/x.sock")
    System.put_env("OPENSENTIENCE_AGENT_ID", "com.example.x")
    System.put_env("OPENSENTIENCE_TOKEN", "secret")

    assert {:ok,
            %Config{socket: "/tmp/x.sock", agent_id: "com.example.x", token: "secret", halt: true}} =
             Config.resolve([])

    assert System.get_env("OPENSENTIENCE_TOKEN") == nil
  end

  test "explicit options win over the environment" do
    System.put_env("OPENSENTIENCE_TOKEN", "env-token")

    assert {:ok, %Config{token: "opt"}} =
             Config.resolve(socket: "/s", agent_id: "a.b", token: "opt", halt: false)

    assert System.get_env("OPENSENTIENCE_TOKEN") == "env-token"

    assert {:error, {:missing, ["OPENSENTIENCE_TOKEN"]}} =
             Config.resolve(socket: "/s", agent_id: "a.b")
  end

  test "an invalid agent declaration is reported before connecting" do
    defmodule BadAgent do
      use OpenSentience.Agent, tools: [String]
    end

    assert {:error, {:invalid_agent, message}} =
             OpenSentience.Agent.start_link(BadAgent, socket: "/s", agent_id: "a.b", token: "t")

    assert message =~ "does not use OpenSentience.Tool"
  end

  describe "mix opensentience.agent" do
    setup do
      Mix.shell(Mix.Shell.Process)
      on_exit(fn -> Mix.shell(Mix.Shell.IO) end)
    end

    test "exits with status 2 and names the missing variables" do
      assert catch_exit(Mix.Tasks.Opensentience.Agent.run([])) == {:shutdown, 2}
      assert_received {:mix_shell, :error, [message]}
      assert message =~ "OPENSENTIENCE_SOCKET, OPENSENTIENCE_AGENT_ID, OPENSENTIENCE_TOKEN"
    end

    test "rejects unknown arguments with status 2" do
      assert catch_exit(Mix.Tasks.Opensentience.Agent.run(["--bogus"])) == {:shutdown, 2}
    end
  end

  test "find_agents/1 lists the modules that use OpenSentience.Agent" do
    agents = OpenSentience.Agent.find_agents(:opensentience_agent_sdk)
    assert OpenSentience.Test.Agent in agents
    assert OpenSentience.Test.ChatAgent in agents
  end
end
