defmodule OpenSentience.Agent.HandshakeTest do
  use ExUnit.Case, async: true

  alias OpenSentience.Test.FakeCore

  test "hello, welcome, tools.register with every declared tool" do
    %{hello: hello, register: register} = FakeCore.start_agent(OpenSentience.Test.Agent)

    assert hello["type"] == "hello"
    refute Map.has_key?(hello, "request_id")

    assert hello["payload"] == %{
             "agent_id" => "com.example.test",
             "token" => "tok-123",
             "agent_version" => "1.2.3",
             "sdk" => %{
               "name" => "opensentience_agent_sdk",
               "version" => OpenSentience.sdk_version()
             },
             "protocol" => %{"min" => 1, "max" => 1},
             "capabilities" => ["tools", "streaming", "cancellation"]
           }

    tools = Map.new(register["payload"]["tools"], &{&1["name"], &1})
    assert Map.keys(tools) == ~w(crash echo fail invoke stream stubborn)

    assert tools["echo"] == %{
             "name" => "echo",
             "description" => "Returns its text.",
             "input_schema" => %{
               "type" => "object",
               "required" => ["text"],
               "properties" => %{"text" => %{"type" => "string"}}
             },
             "permissions" => [],
             "streaming" => false,
             "cancellable" => false
           }

    assert tools["stream"]["streaming"] and tools["stream"]["cancellable"]
    assert tools["invoke"]["permissions"] == ["tool:invoke:com.example.other/echo"]
  end

  test "heartbeats arrive every interval with increasing seq" do
    %{socket: socket} =
      FakeCore.start_agent(OpenSentience.Test.Agent, welcome: %{heartbeat_interval_ms: 20})

    seqs =
      for _ <- 1..3 do
        frame = FakeCore.recv(socket, heartbeats: true)
        assert frame["type"] == "heartbeat"
        frame["payload"]["seq"]
      end

    assert seqs == [1, 2, 3]
  end

  test "max_frame_bytes from welcome bounds what the agent sends" do
    %{socket: socket} =
      FakeCore.start_agent(OpenSentience.Test.Agent, welcome: %{max_frame_bytes: 4_000})

    call = FakeCore.call(socket, "fail", %{"mode" => "too_big"})
    frame = FakeCore.recv(socket)
    assert frame["type"] == "tool.error"
    assert frame["request_id"] == call.request_id
    assert frame["payload"]["error"]["code"] == "frame_too_large"
  end

  describe "a core that does not welcome the agent" do
    setup do
      {listener, path} = FakeCore.listen()
      on_exit(fn -> File.rm(path) end)
      %{listener: listener, path: path}
    end

    defp start(ctx, extra \\ []) do
      opts = [
        socket: ctx.path,
        agent_id: "com.example.test",
        token: "t",
        name: :"conn_#{System.unique_integer([:positive])}",
        halt: false
      ]

      {:ok, sup} = OpenSentience.Agent.start_link(OpenSentience.Test.Agent, opts ++ extra)
      Process.unlink(sup)
      ref = Process.monitor(sup)
      {:ok, socket} = :gen_tcp.accept(ctx.listener, 1_000)
      hello = FakeCore.recv(socket)
      {socket, hello, ref}
    end

    test "an error frame (unauthorized) stops the agent", ctx do
      {socket, hello, ref} = start(ctx)

      FakeCore.send_frame(
        socket,
        FakeCore.frame("error", %{code: "unauthorized", message: "bad token"},
          reply_to: hello["id"]
        )
      )

      assert_receive {:DOWN, ^ref, :process, _, :shutdown}, 1_000
      assert {:error, :closed} = :gen_tcp.recv(socket, 0, 1_000)
    end

    test "no welcome in time stops the agent", ctx do
      {socket, _hello, ref} = start(ctx, handshake_timeout_ms: 50)
      assert_receive {:DOWN, ^ref, :process, _, :shutdown}, 1_000
      assert {:error, :closed} = :gen_tcp.recv(socket, 0, 1_000)
    end

    test "nothing but hello is sent before welcome", ctx do
      {socket, hello, _ref} = start(ctx, name: OpenSentience.Agent.Connection)
      assert OpenSentience.log(:info, "early") == :ok
      FakeCore.refute_frame(socket, 50)

      FakeCore.send_frame(socket, FakeCore.welcome_frame(hello, %{}))
      assert %{"type" => "tools.register"} = FakeCore.recv(socket)
      assert OpenSentience.log(:warn, "late", %{n: 1}) == :ok

      assert %{
               "type" => "log",
               "payload" => %{"level" => "warn", "message" => "late", "fields" => %{"n" => 1}}
             } = FakeCore.recv(socket)
    end

    test "a welcome with another protocol version stops the agent", ctx do
      {socket, hello, ref} = start(ctx)
      FakeCore.send_frame(socket, FakeCore.welcome_frame(hello, %{protocol_version: 2}))
      assert_receive {:DOWN, ^ref, :process, _, :shutdown}, 1_000
    end
  end

  test "no socket to connect to: start_link fails" do
    opts = [
      socket: "/nonexistent/x.sock",
      agent_id: "com.example.test",
      token: "t",
      name: :conn_missing,
      halt: false
    ]

    Process.flag(:trap_exit, true)
    assert {:error, _} = OpenSentience.Agent.start_link(OpenSentience.Test.Agent, opts)
  end
end
