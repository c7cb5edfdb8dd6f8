defmodule OpenSentience.Agent.ChatTest do
  use ExUnit.Case, async: true

  alias OpenSentience.Test.FakeCore

  defp chat(socket, text) do
    payload = %{
      session_id: "s1",
      message_id: "m1",
      text: text,
      history: [%{role: "user", text: "earlier"}]
    }

    frame =
      FakeCore.frame("chat.message", payload,
        request_id: "turn-#{System.unique_integer([:positive])}",
        correlation_id: "c9"
      )

    FakeCore.send_frame(socket, frame)
    frame
  end

  test "chat.message -> chat.delta* -> chat.done" do
    %{socket: socket, hello: hello} = FakeCore.start_agent(OpenSentience.Test.ChatAgent)
    assert hello["payload"]["capabilities"] == ["tools", "streaming", "cancellation", "chat"]

    turn = chat(socket, "hi there")
    frames = for _ <- 1..7, do: FakeCore.recv(socket)
    {deltas, [done]} = Enum.split(frames, 6)

    assert Enum.all?(
             frames,
             &(&1["request_id"] == turn.request_id and &1["correlation_id"] == "c9")
           )

    assert Enum.all?(deltas, &(&1["type"] == "chat.delta"))
    assert Enum.map_join(deltas, & &1["payload"]["text"]) == "you said hi there after 1 "
    assert done["type"] == "chat.done"
    assert done["reply_to"] == turn.id
    assert done["payload"] == %{"text" => "you said hi there after 1"}
  end

  test "a failing handler fails the turn with tool.error" do
    %{socket: socket} = FakeCore.start_agent(OpenSentience.Test.ChatAgent)
    turn = chat(socket, "fail")
    frame = FakeCore.recv(socket)
    assert frame["type"] == "tool.error"
    assert frame["request_id"] == turn.request_id
    assert frame["payload"]["error"]["code"] == "invalid_arguments"
  end

  test "an agent without a chat handler refuses chat turns" do
    %{socket: socket, hello: hello} = FakeCore.start_agent(OpenSentience.Test.Agent)
    refute "chat" in hello["payload"]["capabilities"]
    turn = chat(socket, "hi")
    frame = FakeCore.recv(socket)
    assert frame["type"] == "tool.error"
    assert frame["request_id"] == turn.request_id
    assert frame["payload"]["error"]["code"] == "unknown_tool"
  end
end
