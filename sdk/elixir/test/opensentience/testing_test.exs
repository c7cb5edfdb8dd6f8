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
end
