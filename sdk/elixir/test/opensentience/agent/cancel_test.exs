defmodule OpenSentience.Agent.StreamingAndCancelTest do
  use ExUnit.Case, async: true

  alias OpenSentience.Test.{FakeCore, Tools}

  setup do
    FakeCore.start_agent(OpenSentience.Test.Agent, agent_opts: [cancel_grace_ms: 100])
  end

  defp cancel(socket, call, reason \\ "user") do
    frame =
      FakeCore.frame("tool.cancel", %{reason: reason},
        request_id: call.request_id,
        correlation_id: "corr-1"
      )

    FakeCore.send_frame(socket, frame)
    frame
  end

  test "progress frames carry seq 1..n, then the result", %{socket: socket} do
    call = FakeCore.call(socket, "stream", %{"n" => 3})

    for i <- 1..3 do
      frame = FakeCore.recv(socket)
      assert frame["type"] == "tool.progress"
      assert frame["request_id"] == call.request_id
      assert frame["correlation_id"] == "corr-1"
      assert frame["causation_id"] == call.id
      assert frame["payload"] == %{"seq" => i, "chunk" => %{"i" => i}}
    end

    assert %{"type" => "tool.result", "payload" => %{"output" => %{"count" => 3}}} =
             FakeCore.recv(socket)
  end

  test "cancel mid-stream: tool.error canceled, the tool stops, nothing follows", %{
    socket: socket
  } do
    call =
      FakeCore.call(socket, "stream", %{
        "n" => 1000,
        "interval_ms" => 10,
        "observer" => Tools.encode_pid(self())
      })

    assert %{"type" => "tool.progress", "payload" => %{"seq" => 1}} = FakeCore.recv(socket)
    assert %{"type" => "tool.progress", "payload" => %{"seq" => 2}} = FakeCore.recv(socket)

    cancel_frame = cancel(socket, call)
    error = recv_skipping_progress(socket)

    assert error["type"] == "tool.error"
    assert error["request_id"] == call.request_id
    assert error["causation_id"] == cancel_frame.id
    assert error["reply_to"] == call.id
    assert error["payload"]["error"]["code"] == "canceled"
    assert error["payload"]["error"]["message"] =~ "user"

    assert_receive {:stopped, i} when i < 100, 1_000
    FakeCore.refute_frame(socket, 100)
  end

  test "a tool that ignores cancellation is killed after the grace period", %{socket: socket} do
    call = FakeCore.call(socket, "stubborn", %{"observer" => Tools.encode_pid(self())})
    assert_receive {:tool_pid, pid}, 1_000
    ref = Process.monitor(pid)

    cancel(socket, call, "timeout")

    assert %{"type" => "tool.error", "payload" => %{"error" => %{"code" => "canceled"}}} =
             FakeCore.recv(socket)

    assert_receive {:DOWN, ^ref, :process, ^pid, :killed}, 1_000
    FakeCore.refute_frame(socket, 50)
  end

  test "cancel after the result, or of an unknown call, is not answered", %{socket: socket} do
    call = FakeCore.call(socket, "echo", %{"text" => "x"})
    assert %{"type" => "tool.result"} = FakeCore.recv(socket)
    cancel(socket, call)
    cancel(socket, %{request_id: "never-seen"})
    FakeCore.refute_frame(socket, 100)
  end

  test "the core closing the socket stops running calls", %{socket: socket, sup: sup} do
    FakeCore.call(socket, "stubborn", %{"observer" => Tools.encode_pid(self())})
    assert_receive {:tool_pid, pid}, 1_000
    tool_ref = Process.monitor(pid)
    sup_ref = Process.monitor(sup)

    :gen_tcp.close(socket)
    assert_receive {:DOWN, ^sup_ref, :process, ^sup, :shutdown}, 1_000
    assert_receive {:DOWN, ^tool_ref, :process, ^pid, _}, 1_000
  end

  test "a shutdown frame stops the agent and closes the socket", %{
    socket: socket,
    sup: sup,
    name: name
  } do
    sup_ref = Process.monitor(sup)
    FakeCore.send_frame(socket, FakeCore.frame("shutdown", %{reason: "test", grace_ms: 1_000}))
    assert_receive {:DOWN, ^sup_ref, :process, ^sup, :shutdown}, 1_000
    assert {:error, :closed} = :gen_tcp.recv(socket, 0, 1_000)
    refute OpenSentience.Agent.running?(name)
  end

  defp recv_skipping_progress(socket) do
    case FakeCore.recv(socket) do
      %{"type" => "tool.progress"} -> recv_skipping_progress(socket)
      frame -> frame
    end
  end
end
