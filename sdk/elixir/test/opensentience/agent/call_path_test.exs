defmodule OpenSentience.Agent.CallPathTest do
  # A call's process sends its own frames, terminal frame included, straight
  # on the socket. These tests pin what that must not change: frame order,
  # slot accounting, and exactly one terminal frame when a cancel races the
  # result.
  use ExUnit.Case, async: true

  alias OpenSentience.Test.FakeCore

  defmodule LogFirst do
    @moduledoc "Logs through OpenSentience.log/4 (a request to the connection), then returns."
    use OpenSentience.Tool

    @impl true
    def call(%{"connection" => name, "i" => i}, _ctx) do
      :ok =
        OpenSentience.log(:info, "before #{i}", %{}, connection: String.to_existing_atom(name))

      {:ok, %{i: i}}
    end
  end

  defmodule Park do
    @moduledoc "Tells the test which process runs the call, then waits forever."
    use OpenSentience.Tool

    @impl true
    def call(%{"notify" => name}, _ctx) do
      send(String.to_existing_atom(name), {:parked, self()})

      receive do
        :never -> {:ok, %{}}
      end
    end
  end

  defmodule Agent do
    @moduledoc false
    use OpenSentience.Agent, tools: [LogFirst, Park, OpenSentience.Test.Tools.Echo]
  end

  test "a running call's process ends with the connection" do
    %{socket: socket, name: name} = FakeCore.start_agent(Agent)
    test_name = :"call_path_test_#{System.unique_integer([:positive])}"
    Process.register(self(), test_name)
    FakeCore.call(socket, "park", %{"notify" => Atom.to_string(test_name)})
    assert_receive {:parked, call_pid}, 2_000

    conn = Process.whereis(name)
    {:links, links} = Process.info(conn, :links)
    assert call_pid in links

    refs = [Process.monitor(call_pid), Process.monitor(conn)]
    :gen_tcp.close(socket)

    for ref <- refs, do: assert_receive({:DOWN, ^ref, :process, _, _}, 2_000)
  end

  test "a frame a call asked the connection to send goes out before the call's result" do
    %{socket: socket, name: name} = FakeCore.start_agent(Agent)

    for i <- 1..30 do
      call = FakeCore.call(socket, "log_first", %{"connection" => Atom.to_string(name), "i" => i})
      assert %{"type" => "log", "payload" => %{"message" => message}} = FakeCore.recv(socket)
      assert message == "before #{i}"
      assert %{"type" => "tool.result", "request_id" => rid} = FakeCore.recv(socket)
      assert rid == call.request_id
    end
  end

  test "a slot is free again as soon as its result is out" do
    %{socket: socket} = FakeCore.start_agent(Agent, welcome: %{max_concurrent_calls: 1})

    # The core may send the next call before the previous call's process has
    # exited: that must not be refused with overloaded.
    for i <- 1..100 do
      call = FakeCore.call(socket, "echo", %{"text" => "#{i}"})
      assert %{"type" => "tool.result", "request_id" => rid} = FakeCore.recv(socket)
      assert rid == call.request_id
    end
  end

  test "calls in flight all get exactly one terminal frame" do
    %{socket: socket} = FakeCore.start_agent(Agent, welcome: %{max_concurrent_calls: 32})

    # Waves of as many calls as there are slots: the previous wave's results
    # are all in when the next is sent.
    for wave <- 1..4 do
      calls = for i <- 1..32, do: FakeCore.call(socket, "echo", %{"text" => "#{wave}.#{i}"})
      frames = for _ <- calls, do: FakeCore.recv(socket)

      assert Enum.all?(frames, &(&1["type"] == "tool.result"))

      assert Enum.sort(Enum.map(frames, & &1["request_id"])) ==
               Enum.sort(Enum.map(calls, & &1.request_id))
    end

    FakeCore.refute_frame(socket, 50)
  end

  test "a cancel racing the result: exactly one terminal frame" do
    %{socket: socket} = FakeCore.start_agent(Agent)

    for i <- 1..100 do
      call = FakeCore.call(socket, "echo", %{"text" => "#{i}"})

      FakeCore.send_frame(
        socket,
        FakeCore.frame("tool.cancel", %{reason: "user"}, request_id: call.request_id)
      )

      assert %{"type" => type, "request_id" => rid} = FakeCore.recv(socket)
      assert rid == call.request_id
      assert type in ["tool.result", "tool.error"]
    end

    FakeCore.refute_frame(socket, 100)
  end
end
