defmodule OpenSentience.Agent.HaltTest do
  # Runs an agent in a separate VM (default settings: halt when the connection
  # ends) and checks the VM really exits. Configured from the environment,
  # exactly as the core launches agents.
  use ExUnit.Case, async: true

  alias OpenSentience.Test.FakeCore

  @script """
  {:ok, _} = Application.ensure_all_started(:opensentience_agent_sdk)
  {:ok, sup} = OpenSentience.Agent.start_link(OpenSentience.Test.Agent)
  Process.unlink(sup)
  IO.puts("token_in_env=\#{System.get_env("OPENSENTIENCE_TOKEN") != nil}")
  Process.sleep(:infinity)
  """

  defp spawn_agent(path) do
    ebin = :code.which(OpenSentience.Test.Agent) |> Path.dirname()

    Port.open({:spawn_executable, System.find_executable("elixir")}, [
      :binary,
      :exit_status,
      :stderr_to_stdout,
      args: ["-pa", ebin, "-e", @script],
      env: [
        {~c"OPENSENTIENCE_SOCKET", String.to_charlist(path)},
        {~c"OPENSENTIENCE_AGENT_ID", ~c"com.example.test"},
        {~c"OPENSENTIENCE_TOKEN", ~c"tok-env"}
      ]
    ])
  end

  defp handshake(listener) do
    {:ok, socket} = :gen_tcp.accept(listener, 10_000)
    hello = FakeCore.recv(socket, timeout: 10_000)
    assert hello["payload"]["agent_id"] == "com.example.test"
    assert hello["payload"]["token"] == "tok-env"
    FakeCore.send_frame(socket, FakeCore.welcome_frame(hello, %{}))
    assert %{"type" => "tools.register"} = FakeCore.recv(socket)
    socket
  end

  defp await_exit(port, output \\ "") do
    receive do
      {^port, {:data, data}} -> await_exit(port, output <> data)
      {^port, {:exit_status, status}} -> {status, output}
    after
      15_000 -> flunk("the agent VM did not exit; output so far: #{output}")
    end
  end

  setup do
    {listener, path} = FakeCore.listen()
    on_exit(fn -> File.rm(path) end)
    %{listener: listener, path: path}
  end

  @tag timeout: 30_000
  test "the VM exits (status 0) when the core closes the socket", %{
    listener: listener,
    path: path
  } do
    port = spawn_agent(path)
    socket = handshake(listener)
    # The launch token is scrubbed from the environment once read.
    assert_receive {^port, {:data, "token_in_env=false\n"}}, 10_000
    :gen_tcp.close(socket)

    {status, output} = await_exit(port)
    assert status == 0, output
  end

  @tag timeout: 30_000
  test "the VM exits (status 0) on a shutdown frame", %{listener: listener, path: path} do
    port = spawn_agent(path)
    socket = handshake(listener)
    FakeCore.send_frame(socket, FakeCore.frame("shutdown", %{reason: "stop", grace_ms: 5_000}))

    assert {0, _output} = await_exit(port)
    assert {:error, :closed} = :gen_tcp.recv(socket, 0, 5_000)
  end
end
