defmodule EchoAgentTest do
  use ExUnit.Case, async: true

  alias EchoAgent.Tools
  alias OpenSentience.Testing

  test "echo" do
    assert Testing.call_tool(Tools.Echo, %{"text" => "hi"}) == {:ok, %{"text" => "hi"}}
    assert {:error, %{"code" => "invalid_arguments"}} = Testing.call_tool(Tools.Echo, %{})
  end

  test "add" do
    assert Testing.call_tool(Tools.Add, %{"a" => 2, "b" => 0.5}) == {:ok, %{"sum" => 2.5}}

    assert {:error, %{"code" => "invalid_arguments"}} =
             Testing.call_tool(Tools.Add, %{"a" => "2", "b" => 1})
  end

  test "slow_count streams {i} chunks and returns the count" do
    assert Testing.call_tool(Tools.SlowCount, %{"n" => 3, "interval_ms" => 0}) ==
             {:ok, %{"count" => 3}}

    for i <- 1..3 do
      assert_received {:opensentience_frame,
                       %{
                         "type" => "tool.progress",
                         "payload" => %{"seq" => ^i, "chunk" => %{"i" => ^i}}
                       }}
    end

    assert {:error, %{"code" => "invalid_arguments"}} =
             Testing.call_tool(Tools.SlowCount, %{"n" => 0})

    assert {:error, %{"code" => "invalid_arguments"}} =
             Testing.call_tool(Tools.SlowCount, %{"n" => 2, "interval_ms" => -1})
  end

  test "slow_count stops promptly when canceled" do
    run = Testing.start_tool(Tools.SlowCount, %{"n" => 1000, "interval_ms" => 20})
    assert_receive {:opensentience_frame, %{"type" => "tool.progress"}}, 1_000
    Testing.cancel(run)
    assert {:error, %{"code" => "canceled"}} = Testing.await(run, 500)
  end

  test "read_secret reports presence, never the value" do
    System.delete_env("ECHO_EXAMPLE_SECRET")
    assert Testing.call_tool(Tools.ReadSecret) == {:ok, %{"present" => false}}
    assert Tools.ReadSecret.permissions() == ["env:read:ECHO_EXAMPLE_SECRET"]
  end

  test "crash and fail" do
    assert {:error, %{"code" => "internal"} = error} = Testing.call_tool(Tools.Crash)
    refute error["message"] =~ "crash requested"

    assert Testing.call_tool(Tools.Fail, %{
             "code" => "rate_limited",
             "message" => "later",
             "retryable" => true
           }) ==
             {:error,
              %{
                "code" => "rate_limited",
                "message" => "later",
                "retryable" => true,
                "details" => %{"requested" => true}
              }}
  end

  test "the manifest lists exactly the agent's tools and permissions" do
    manifest = "opensentience.agent.json" |> File.read!() |> OpenSentience.JSON.decode!()

    {:ok, descriptors} =
      EchoAgent.__opensentience_agent__()[:tools]
      |> Enum.map(&OpenSentience.Tool.descriptor/1)
      |> Enum.map(&elem(&1, 1))
      |> then(&{:ok, &1})

    assert Enum.map(manifest["tool_summary"], & &1["name"]) == Enum.map(descriptors, & &1.name)
    assert Enum.flat_map(descriptors, & &1.permissions) -- manifest["permissions"] == []
    assert manifest["version"] == Mix.Project.config()[:version]
  end
end
