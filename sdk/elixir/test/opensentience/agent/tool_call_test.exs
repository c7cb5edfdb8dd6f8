defmodule OpenSentience.Agent.ToolCallTest do
  use ExUnit.Case, async: true

  alias OpenSentience.Test.FakeCore

  setup do
    FakeCore.start_agent(OpenSentience.Test.Agent)
  end

  defp call_and_recv(socket, tool, args) do
    call = FakeCore.call(socket, tool, args)
    frame = FakeCore.recv(socket)
    assert frame["request_id"] == call.request_id
    {call, frame}
  end

  defp error_of(socket, tool, args) do
    {_call, frame} = call_and_recv(socket, tool, args)
    assert frame["type"] == "tool.error"
    frame["payload"]["error"]
  end

  test "tool.call -> tool.result with the call's ids", %{socket: socket} do
    {call, frame} = call_and_recv(socket, "echo", %{"text" => "héllo"})

    assert frame["type"] == "tool.result"
    assert frame["payload"] == %{"output" => %{"text" => "héllo"}}
    assert frame["reply_to"] == call.id
    assert frame["causation_id"] == call.id
    assert frame["correlation_id"] == "corr-1"
    assert frame["id"] != call.id
  end

  test "calls run concurrently", %{socket: socket} do
    slow = FakeCore.call(socket, "stream", %{"n" => 1, "interval_ms" => 300})
    fast = FakeCore.call(socket, "echo", %{"text" => "x"})
    assert %{"type" => "tool.result", "request_id" => rid} = FakeCore.recv(socket)
    assert rid == fast.request_id
    assert %{"type" => "tool.progress", "request_id" => rid} = FakeCore.recv(socket)
    assert rid == slow.request_id
  end

  test "unknown tool", %{socket: socket} do
    assert %{"code" => "unknown_tool"} = error_of(socket, "nope", %{})
  end

  test "arguments no clause accepts -> invalid_arguments", %{socket: socket} do
    assert %{"code" => "invalid_arguments", "message" => message} =
             error_of(socket, "echo", %{"txt" => 1})

    assert message =~ "echo"
    assert %{"code" => "invalid_arguments"} = error_of(socket, "echo", ["not", "an", "object"])
  end

  test "an exception becomes internal with a safe message, details go to a log frame", %{
    socket: socket
  } do
    call = FakeCore.call(socket, "crash", %{})
    log = FakeCore.recv(socket)
    error = FakeCore.recv(socket)

    assert log["type"] == "log"
    assert log["payload"]["level"] == "error"
    assert log["payload"]["message"] =~ "RuntimeError"
    assert log["request_id"] == call.request_id
    assert is_binary(log["payload"]["fields"]["stacktrace"])

    assert error["type"] == "tool.error"
    assert error["payload"]["error"]["code"] == "internal"
    assert error["payload"]["error"]["message"] =~ "RuntimeError"
    refute error["payload"]["error"]["message"] =~ "secret-value-1234"
  end

  test "structured errors", %{socket: socket} do
    assert error_of(socket, "fail", %{"mode" => "tuple"}) == %{
             "code" => "permission_denied",
             "message" => "nope"
           }

    assert error_of(socket, "fail", %{"mode" => "map"}) ==
             %{
               "code" => "rate_limited",
               "message" => "slow down",
               "retryable" => true,
               "details" => %{"wait_ms" => 100}
             }

    assert error_of(socket, "fail", %{"mode" => "custom"}) ==
             %{
               "code" => "internal",
               "message" => "no such thing",
               "details" => %{"code" => "not_found"}
             }
  end

  test "invalid results become internal errors", %{socket: socket} do
    for mode <- ["garbage", "not_json"] do
      call = FakeCore.call(socket, "fail", %{"mode" => mode})
      assert %{"type" => "log"} = FakeCore.recv(socket)
      frame = FakeCore.recv(socket)
      assert %{"type" => "tool.error", "request_id" => rid} = frame
      assert rid == call.request_id
      assert frame["payload"]["error"]["code"] == "internal"
    end
  end

  test "a tool.call without request_id gets a bad_frame error", %{socket: socket} do
    frame = FakeCore.frame("tool.call", %{tool: "echo", arguments: %{text: "x"}})
    FakeCore.send_frame(socket, frame)
    reply = FakeCore.recv(socket)
    assert reply["type"] == "error"
    assert reply["reply_to"] == frame.id
    assert reply["payload"]["code"] == "bad_frame"
  end

  test "a request_id already in use gets a bad_frame error", %{socket: socket} do
    first = FakeCore.call(socket, "stream", %{"n" => 1, "interval_ms" => 200})
    dup = FakeCore.call(socket, "echo", %{"text" => "x"}, request_id: first.request_id)

    assert %{"type" => "error", "reply_to" => reply_to, "payload" => %{"code" => "bad_frame"}} =
             FakeCore.recv(socket)

    assert reply_to == dup.id
  end

  test "unknown types get unknown_type and the connection stays open", %{socket: socket} do
    frame = FakeCore.frame("future.thing", %{})
    FakeCore.send_frame(socket, frame)
    reply = FakeCore.recv(socket)
    assert %{"type" => "error", "payload" => %{"code" => "unknown_type"}} = reply
    assert reply["reply_to"] == frame.id

    assert {_, %{"type" => "tool.result"}} =
             call_and_recv(socket, "echo", %{"text" => "still here"})
  end

  test "malformed frames get bad_frame and the connection stays open", %{socket: socket} do
    FakeCore.send_raw(socket, "{not json")
    assert %{"type" => "error", "payload" => %{"code" => "bad_frame"}} = FakeCore.recv(socket)

    FakeCore.send_raw(socket, ~s({"v":2,"type":"tool.call","id":"f9","payload":{}}))

    assert %{
             "type" => "error",
             "reply_to" => "f9",
             "payload" => %{"code" => "unsupported_version"}
           } = FakeCore.recv(socket)

    assert {_, %{"type" => "tool.result"}} =
             call_and_recv(socket, "echo", %{"text" => "still here"})
  end
end

defmodule OpenSentience.Agent.OverloadTest do
  use ExUnit.Case, async: true

  alias OpenSentience.Test.{FakeCore, Tools}

  test "calls beyond max_concurrent_calls are refused with overloaded" do
    %{socket: socket} =
      FakeCore.start_agent(OpenSentience.Test.Agent, welcome: %{max_concurrent_calls: 1})

    FakeCore.call(socket, "stubborn", %{"observer" => Tools.encode_pid(self())})
    assert_receive {:tool_pid, _pid}, 1_000

    call = FakeCore.call(socket, "echo", %{"text" => "x"})
    frame = FakeCore.recv(socket)
    assert frame["request_id"] == call.request_id

    assert frame["payload"]["error"] == %{
             "code" => "overloaded",
             "message" => "1 calls are already running",
             "retryable" => true
           }
  end
end
