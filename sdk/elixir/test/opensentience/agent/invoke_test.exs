defmodule OpenSentience.Agent.InvokeTest do
  use ExUnit.Case, async: true

  alias OpenSentience.Test.FakeCore

  setup do
    FakeCore.start_agent(OpenSentience.Test.Agent)
  end

  defp reply(socket, invoke, type, payload) do
    FakeCore.send_frame(
      socket,
      FakeCore.frame(type, payload, request_id: invoke["request_id"], causation_id: invoke["id"])
    )
  end

  test "tool.invoke round trip with progress", %{socket: socket} do
    call =
      FakeCore.call(socket, "invoke", %{"tool" => "com.example.other/echo"},
        correlation_id: "turn-7"
      )

    invoke = FakeCore.recv(socket)

    assert invoke["type"] == "tool.invoke"

    assert invoke["payload"] == %{
             "tool" => "com.example.other/echo",
             "arguments" => %{"text" => "hi"}
           }

    assert invoke["correlation_id"] == "turn-7"
    assert invoke["causation_id"] == call.id
    assert is_binary(invoke["request_id"]) and invoke["request_id"] != call.request_id

    reply(socket, invoke, "tool.progress", %{seq: 1, chunk: "p1"})
    reply(socket, invoke, "tool.result", %{output: %{text: "hi"}})

    result = FakeCore.recv(socket)
    assert result["type"] == "tool.result"
    assert result["request_id"] == call.request_id
    assert result["payload"]["output"] == %{"inner" => %{"text" => "hi"}, "chunks" => ["p1"]}
  end

  test "a tool.error reply comes back as {:error, map} the tool can return", %{socket: socket} do
    call = FakeCore.call(socket, "invoke", %{"tool" => "com.example.other/echo"})
    invoke = FakeCore.recv(socket)

    reply(socket, invoke, "tool.error", %{
      error: %{code: "permission_denied", message: "no", retryable: false}
    })

    frame = FakeCore.recv(socket)
    assert frame["request_id"] == call.request_id

    assert frame["payload"]["error"] == %{
             "code" => "permission_denied",
             "message" => "no",
             "retryable" => false
           }
  end

  test "an error frame answering the tool.invoke fails the invocation", %{socket: socket} do
    FakeCore.call(socket, "invoke", %{"tool" => "com.example.other/echo"})
    invoke = FakeCore.recv(socket)

    FakeCore.send_frame(
      socket,
      FakeCore.frame("error", %{code: "bad_frame", message: "nope"}, reply_to: invoke["id"])
    )

    assert %{"type" => "tool.error", "payload" => %{"error" => %{"code" => "bad_frame"}}} =
             FakeCore.recv(socket)
  end

  test "no reply in time: the wait ends with timeout and the invocation is canceled", %{
    socket: socket
  } do
    call =
      FakeCore.call(socket, "invoke", %{"tool" => "com.example.other/echo", "timeout_ms" => 1})

    invoke = FakeCore.recv(socket)
    assert invoke["payload"]["timeout_ms"] == 1

    cancel = FakeCore.recv(socket, timeout: 3_000)
    assert cancel["type"] == "tool.cancel"
    assert cancel["request_id"] == invoke["request_id"]
    assert cancel["payload"] == %{"reason" => "timeout"}

    result = FakeCore.recv(socket)
    assert result["request_id"] == call.request_id
    assert result["payload"]["error"]["code"] == "timeout"
  end

  test "an invalid tool id is refused locally", %{socket: socket} do
    FakeCore.call(socket, "invoke", %{"tool" => "not a tool id"})
    frame = FakeCore.recv(socket)
    assert frame["type"] == "tool.error"
    assert frame["payload"]["error"]["code"] == "invalid_arguments"
  end

  test "canceling the caller ends the wait and cancels the invocation", %{socket: socket} do
    call = FakeCore.call(socket, "invoke", %{"tool" => "com.example.other/echo"})
    invoke = FakeCore.recv(socket)

    FakeCore.send_frame(
      socket,
      FakeCore.frame("tool.cancel", %{reason: "user"}, request_id: call.request_id)
    )

    frames = [FakeCore.recv(socket), FakeCore.recv(socket)]
    by_type = Map.new(frames, &{&1["type"], &1})

    assert by_type["tool.error"]["request_id"] == call.request_id
    assert by_type["tool.error"]["payload"]["error"]["code"] == "canceled"
    assert by_type["tool.cancel"]["request_id"] == invoke["request_id"]

    # A late reply to the abandoned invocation is dropped.
    reply(socket, invoke, "tool.result", %{output: 1})
    FakeCore.refute_frame(socket, 100)
  end
end
