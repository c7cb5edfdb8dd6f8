defmodule OpenSentience.Test.FakeCore do
  @moduledoc """
  Plays the core in integration tests: listens on a real Unix socket, accepts
  the agent's connection, and reads and writes frames (4-byte length prefix,
  JSON body) with `:gen_tcp` in passive mode.
  """

  import ExUnit.Assertions

  alias OpenSentience.JSON

  @timeout 2_000

  @doc "Listens on a fresh socket path; returns `{listen_socket, path}`."
  def listen do
    path = Path.join(System.tmp_dir!(), "os-sdk-#{System.unique_integer([:positive])}.sock")
    File.rm(path)

    {:ok, listener} =
      :gen_tcp.listen(0, [{:ifaddr, {:local, path}}, :binary, packet: 4, active: false])

    {listener, path}
  end

  @doc """
  Starts `agent` against a fake core and completes the handshake.

  Returns a map with the accepted `socket`, the agent `sup` pid, the `hello`
  and `register` frames and the connection `name`.
  """
  def start_agent(agent, opts \\ []) do
    {listener, path} = listen()
    name = Module.concat(OpenSentience.Test.Conn, "C#{System.unique_integer([:positive])}")

    agent_opts =
      [socket: path, agent_id: "com.example.test", token: "tok-123", name: name, halt: false]
      |> Keyword.merge(Keyword.get(opts, :agent_opts, []))

    {:ok, sup} = OpenSentience.Agent.start_link(agent, agent_opts)
    Process.unlink(sup)
    {:ok, socket} = :gen_tcp.accept(listener, @timeout)
    :gen_tcp.close(listener)
    File.rm(path)

    # The socket closes with the test process, which stops the agent; stop it
    # here too in case a test left it running some other way.
    ExUnit.Callbacks.on_exit(fn -> stop_quietly(sup) end)

    hello = recv(socket)
    welcome = Keyword.get(opts, :welcome, %{})
    send_frame(socket, welcome_frame(hello, welcome))
    register = recv(socket)
    assert register["type"] == "tools.register"

    accepted = Enum.map(register["payload"]["tools"], & &1["name"])

    send_frame(
      socket,
      frame("tools.registered", %{accepted: accepted, rejected: []}, reply_to: register["id"])
    )

    %{socket: socket, sup: sup, hello: hello, register: register, name: name}
  end

  @doc "Stops a supervisor that may already be gone."
  def stop_quietly(sup) do
    Supervisor.stop(sup, :normal)
  catch
    :exit, _ -> :ok
  end

  def welcome_frame(hello, overrides) do
    payload =
      Map.merge(
        %{
          protocol_version: 1,
          session_id: "session-1",
          heartbeat_interval_ms: 60_000,
          max_frame_bytes: 1_048_576,
          max_concurrent_calls: 8
        },
        overrides
      )

    frame("welcome", payload, reply_to: hello["id"])
  end

  @doc "Builds a frame map (atom keys, as we write it)."
  def frame(type, payload, fields \\ []) do
    Map.merge(
      %{v: 1, type: type, id: "core-#{System.unique_integer([:positive])}", payload: payload},
      Map.new(fields)
    )
  end

  @doc "Sends a tool.call and returns the frame sent."
  def call(socket, tool, arguments, fields \\ []) do
    fields =
      Keyword.merge(
        [request_id: "req-#{System.unique_integer([:positive])}", correlation_id: "corr-1"],
        fields
      )

    payload = %{
      tool: tool,
      arguments: arguments,
      timeout_ms: 30_000,
      caller: %{kind: "cli", id: "test"}
    }

    frame = frame("tool.call", payload, fields)
    send_frame(socket, frame)
    frame
  end

  def send_frame(socket, %{} = frame), do: send_raw(socket, JSON.encode!(frame))
  def send_raw(socket, body), do: :ok = :gen_tcp.send(socket, body)

  @doc """
  Receives the next frame, skipping heartbeats unless `:heartbeats` is true.
  Every frame is checked against the envelope rules.
  """
  def recv(socket, opts \\ []) do
    timeout = Keyword.get(opts, :timeout, @timeout)

    case :gen_tcp.recv(socket, 0, timeout) do
      {:ok, body} ->
        frame = JSON.decode!(body)
        check_envelope(frame)

        if frame["type"] == "heartbeat" and not Keyword.get(opts, :heartbeats, false),
          do: recv(socket, opts),
          else: frame

      {:error, reason} ->
        flunk("expected a frame, got #{inspect(reason)}")
    end
  end

  @doc "Asserts no frame (other than heartbeats) arrives within `timeout` ms."
  def refute_frame(socket, timeout \\ 100) do
    case :gen_tcp.recv(socket, 0, timeout) do
      {:error, :timeout} ->
        :ok

      {:ok, body} ->
        frame = JSON.decode!(body)

        if frame["type"] == "heartbeat",
          do: refute_frame(socket, timeout),
          else: flunk("unexpected frame #{inspect(frame)}")

      {:error, reason} ->
        flunk("socket failed: #{inspect(reason)}")
    end
  end

  @doc "Checks the envelope rules every frame an agent sends must follow."
  def check_envelope(frame) do
    assert frame["v"] == 1
    assert is_binary(frame["type"]) and frame["type"] != ""
    assert is_binary(frame["id"]) and byte_size(frame["id"]) in 1..128
    assert is_map(frame["payload"])

    for key <- ~w(reply_to request_id correlation_id causation_id), Map.has_key?(frame, key) do
      assert is_binary(frame[key])
    end

    if frame["type"] in ~w(tool.progress tool.result tool.error tool.invoke chat.delta chat.done tool.cancel) do
      assert is_binary(frame["request_id"]), "#{frame["type"]} without request_id"
    end

    frame
  end
end
