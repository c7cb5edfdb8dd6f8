defmodule OpenSentience.TestingTest do
  use ExUnit.Case, async: true

  alias OpenSentience.Testing
  alias OpenSentience.Test.Tools

  test "call_tool returns what the core would see" do
    assert Testing.call_tool(Tools.Echo, %{"text" => "hi"}) == {:ok, %{"text" => "hi"}}
    assert {:error, %{"code" => "invalid_arguments"}} = Testing.call_tool(Tools.Echo, %{})
    assert {:error, %{"code" => "internal"}} = Testing.call_tool(Tools.Crash, %{})
    assert_received {:opensentience_frame, %{"type" => "log", "payload" => %{"level" => "error"}}}
  end

  test "progress frames arrive as messages" do
    assert {:ok, %{"count" => 2}} = Testing.call_tool(Tools.Stream, %{"n" => 2})

    assert_received {:opensentience_frame,
                     %{
                       "type" => "tool.progress",
                       "payload" => %{"seq" => 1, "chunk" => %{"i" => 1}}
                     }}

    assert_received {:opensentience_frame,
                     %{"type" => "tool.progress", "payload" => %{"seq" => 2}}}
  end

  test "cancel" do
    run = Testing.start_tool(Tools.Stream, %{"n" => 1000, "interval_ms" => 10})
    assert_receive {:opensentience_frame, %{"type" => "tool.progress"}}, 1_000
    Testing.cancel(run)
    assert {:error, %{"code" => "canceled"}} = Testing.await(run)
  end

  test "invoke is answered by the :invoke option" do
    invoke = fn "com.example.other/echo", %{"text" => text} -> {:ok, %{"text" => text}} end

    assert {:ok, %{"inner" => %{"text" => "hi"}}} =
             Testing.call_tool(Tools.Invoke, %{"tool" => "com.example.other/echo"}, invoke: invoke)

    assert_received {:opensentience_frame,
                     %{
                       "type" => "tool.invoke",
                       "payload" => %{"tool" => "com.example.other/echo"}
                     }}
  end

  test "chat" do
    assert Testing.chat(Tools.Chat, "yo") == {:ok, "you said yo after 0"}

    assert_received {:opensentience_frame,
                     %{"type" => "chat.delta", "payload" => %{"text" => "you "}}}

    assert {:error, %{"code" => "invalid_arguments"}} = Testing.chat(Tools.Chat, "fail")
  end

  test "progress outside a streaming tool is refused" do
    ctx = Testing.context()
    assert OpenSentience.Context.progress(ctx, "x") == {:error, :not_streaming}
    assert OpenSentience.Context.delta(ctx, "x") == {:error, :not_chat}
    assert_raise ArgumentError, fn -> OpenSentience.Context.progress(ctx, 12) end
  end

  describe "check_tool_summary" do
    setup do
      dir =
        Path.join(
          System.tmp_dir!(),
          "os-check-tool-summary-#{System.unique_integer([:positive])}"
        )

      File.mkdir_p!(dir)
      on_exit(fn -> File.rm_rf!(dir) end)
      %{tmp_dir: dir}
    end

    test "ok when tool_summary names exactly the declared tools, in any order", %{tmp_dir: dir} do
      path = write_manifest(dir, ["echo"])
      assert Testing.check_tool_summary(OpenSentience.Test.ChatAgent, path) == :ok
      assert {:ok, [%{name: "echo"}]} = OpenSentience.Agent.tools(OpenSentience.Test.ChatAgent)
    end

    test "names the missing and the extra tools", %{tmp_dir: dir} do
      path = write_manifest(dir, ["echo", "stream", "gone"])
      assert {:error, message} = Testing.check_tool_summary(OpenSentience.Test.Agent, path)
      assert message =~ "does not match the tools OpenSentience.Test.Agent declares"
      assert message =~ "missing stubborn, crash, fail, invoke (declared, not in tool_summary)"
      assert message =~ "extra gone (in tool_summary, not declared)"
    end

    test "a missing or malformed manifest is an error, not a crash", %{tmp_dir: dir} do
      assert {:error, "cannot read " <> _} =
               Testing.check_tool_summary(OpenSentience.Test.Agent, Path.join(dir, "nope.json"))

      File.write!(Path.join(dir, "bad.json"), "{")

      assert {:error, message} =
               Testing.check_tool_summary(OpenSentience.Test.Agent, Path.join(dir, "bad.json"))

      assert message =~ "is not valid JSON"
      File.write!(Path.join(dir, "shape.json"), ~s({"tool_summary": [1]}))

      assert {:error, message} =
               Testing.check_tool_summary(OpenSentience.Test.Agent, Path.join(dir, "shape.json"))

      assert message =~ "tool_summary must be a list"
      assert {:error, message} = Testing.check_tool_summary(String, Path.join(dir, "shape.json"))
      assert message =~ "does not use OpenSentience.Agent"
    end
  end

  defp write_manifest(dir, names) do
    path = Path.join(dir, "opensentience.agent.json")
    summary = Enum.map(names, &%{"name" => &1, "description" => "x"})
    File.write!(path, OpenSentience.JSON.encode!(%{"tool_summary" => summary}))
    path
  end
end
