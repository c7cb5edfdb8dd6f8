defmodule OpenSentience.EgressTest do
  # Touches the process environment, :httpc's default profile and a
  # persistent term: not async. The "core's proxy" is a fake on a real Unix
  # socket; no connection ever leaves the machine (example.invalid is never
  # resolved: :httpc sends it to the proxy).
  use ExUnit.Case, async: false

  alias OpenSentience.{Egress, HTTP}

  @proxy_vars ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]

  setup do
    saved_env = Map.new([Egress.env_var() | @proxy_vars], &{&1, System.get_env(&1)})
    {:ok, _} = Application.ensure_all_started(:inets)
    {:ok, saved_httpc} = :httpc.get_options([:proxy, :https_proxy])
    key = OpenSentience.Egress.Listener.url_key()
    saved_url = :persistent_term.get(key, :none)

    on_exit(fn ->
      Enum.each(saved_env, fn
        {k, nil} -> System.delete_env(k)
        {k, v} -> System.put_env(k, v)
      end)

      # :httpc has no option value meaning "no proxy": restart its default profile instead.
      if saved_httpc[:proxy] == {:undefined, []} do
        :ok = Application.stop(:inets)
        {:ok, _} = Application.ensure_all_started(:inets)
      else
        :ok = :httpc.set_options(saved_httpc)
      end

      if saved_url == :none,
        do: :persistent_term.erase(key),
        else: :persistent_term.put(key, saved_url)
    end)

    :ok
  end

  # -- a fake core proxy on a Unix socket ----------------------------------------

  defp tmp_socket do
    path = Path.join(System.tmp_dir!(), "os-egress-#{System.unique_integer([:positive])}.sock")
    File.rm(path)
    on_exit(fn -> File.rm(path) end)
    path
  end

  # Accepts forever; each connection runs `handler.(socket, test_pid)` in its own process.
  defp fake_proxy(handler) do
    path = tmp_socket()

    {:ok, listener} =
      :gen_tcp.listen(0, [{:ifaddr, {:local, path}}, :binary, active: false, exit_on_close: false])

    test = self()
    acceptor = spawn(fn -> accept_loop(listener, handler, test) end)
    :ok = :gen_tcp.controlling_process(listener, acceptor)
    on_exit(fn -> Process.exit(acceptor, :kill) end)
    path
  end

  defp accept_loop(listener, handler, test) do
    {:ok, socket} = :gen_tcp.accept(listener)

    pid =
      spawn(fn ->
        receive do
          {:go, s} -> handler.(s, test)
        end
      end)

    :ok = :gen_tcp.controlling_process(socket, pid)
    send(pid, {:go, socket})
    accept_loop(listener, handler, test)
  end

  defp echo(socket, test) do
    case :gen_tcp.recv(socket, 0, 10_000) do
      {:ok, data} ->
        :ok = :gen_tcp.send(socket, data)
        echo(socket, test)

      {:error, _} ->
        send(test, {:fake_closed, self()})
    end
  end

  # Answers one HTTP request: reads the head, reports it, replies `status` and closes.
  defp http_answer(status, body) do
    fn socket, test ->
      head = read_head(socket, "")
      send(test, {:head, head})

      :gen_tcp.send(
        socket,
        "HTTP/1.1 #{status} X\r\nContent-Length: #{byte_size(body)}\r\nConnection: close\r\n\r\n#{body}"
      )

      :gen_tcp.close(socket)
    end
  end

  defp read_head(socket, acc) do
    if String.contains?(acc, "\r\n\r\n") do
      acc
    else
      {:ok, data} = :gen_tcp.recv(socket, 0, 10_000)
      read_head(socket, acc <> data)
    end
  end

  defp start_bridge(path) do
    name = Module.concat(__MODULE__, "E#{System.unique_integer([:positive])}")
    start_supervised!({Egress, socket: path, name: name})
    url = HTTP.proxy_url()
    "http://127.0.0.1:" <> port = url
    String.to_integer(port)
  end

  defp connect(port) do
    {:ok, c} = :gen_tcp.connect({127, 0, 0, 1}, port, [:binary, active: false], 5_000)
    c
  end

  defp recv_exactly(socket, n, acc \\ "") do
    if byte_size(acc) >= n do
      acc
    else
      {:ok, data} = :gen_tcp.recv(socket, 0, 10_000)
      recv_exactly(socket, n, acc <> data)
    end
  end

  # -- tests -----------------------------------------------------------------------

  test "without OPENSENTIENCE_EGRESS_SOCKET nothing starts and nothing is configured" do
    System.delete_env(Egress.env_var())
    assert Egress.start_link([]) == :ignore
    # The SDK application started in this VM without the variable.
    assert Process.whereis(OpenSentience.Egress) == nil
    assert HTTP.proxy_url() == nil
  end

  test "bytes flow both ways through the Unix socket; env and :httpc point at the bridge" do
    path = fake_proxy(&echo/2)
    port = start_bridge(path)
    url = "http://127.0.0.1:#{port}"

    for var <- @proxy_vars, do: assert(System.get_env(var) == url)
    proxy = {{~c"127.0.0.1", port}, []}

    assert {:ok, [proxy: ^proxy, https_proxy: ^proxy]} =
             :httpc.get_options([:proxy, :https_proxy])

    c = connect(port)
    :ok = :gen_tcp.send(c, "hello")
    assert recv_exactly(c, 5) == "hello"

    big = :crypto.strong_rand_bytes(2_000_000)
    :ok = :gen_tcp.send(c, big)
    assert recv_exactly(c, byte_size(big)) == big

    # Closing the client closes the proxy side too.
    :gen_tcp.close(c)
    assert_receive {:fake_closed, _}, 5_000
  end

  test "connections are independent: several at once" do
    port = start_bridge(fake_proxy(&echo/2))
    clients = for i <- 1..5, do: {i, connect(port)}
    for {i, c} <- clients, do: :ok = :gen_tcp.send(c, "client #{i}")
    for {i, c} <- clients, do: assert(recv_exactly(c, byte_size("client #{i}")) == "client #{i}")
    for {_, c} <- clients, do: :gen_tcp.close(c)
  end

  test "the client's half-close reaches the proxy and the answer still comes back" do
    handler = fn socket, _test ->
      count = drain(socket, 0)
      :gen_tcp.send(socket, "got #{count}")
      :gen_tcp.close(socket)
    end

    port = start_bridge(fake_proxy(handler))
    c = connect(port)
    :ok = :gen_tcp.send(c, "12345")
    :ok = :gen_tcp.shutdown(c, :write)
    assert recv_exactly(c, 5) == "got 5"
    assert {:error, :closed} = :gen_tcp.recv(c, 0, 5_000)
  end

  test "the proxy closing ends the client's connection" do
    handler = fn socket, _test ->
      :gen_tcp.send(socket, "bye")
      :gen_tcp.close(socket)
    end

    port = start_bridge(fake_proxy(handler))
    c = connect(port)
    assert recv_exactly(c, 3) == "bye"
    assert {:error, :closed} = :gen_tcp.recv(c, 0, 5_000)
  end

  test "an unreachable proxy socket: the client gets 502" do
    port = start_bridge(tmp_socket())
    c = connect(port)
    :ok = :gen_tcp.send(c, "GET http://example.invalid/ HTTP/1.1\r\n\r\n")
    assert {:ok, "HTTP/1.1 502 Bad Gateway" <> _} = :gen_tcp.recv(c, 0, 5_000)
  end

  describe "OpenSentience.HTTP" do
    test "plain http goes to the proxy in absolute form" do
      start_bridge(fake_proxy(http_answer(200, "proxied")))

      assert {:ok, %{status: 200, body: "proxied", headers: headers}} =
               HTTP.request(:get, "http://example.invalid/hello?x=1", [{"x-test", "1"}])

      assert {"content-length", "7"} in headers
      assert_receive {:head, head}
      assert head =~ ~r"\AGET http://example.invalid/hello\?x=1 HTTP/1.1\r\n"
      assert head =~ ~r"\r\nx-test: 1\r\n"i
    end

    test "a body with its content type; statuses are results, not errors" do
      start_bridge(fake_proxy(http_answer(403, "denied")))

      assert {:ok, %{status: 403, body: "denied"}} =
               HTTP.request(
                 "POST",
                 "http://example.invalid/submit",
                 [{"Content-Type", "text/plain"}],
                 [
                   "hello",
                   " world"
                 ]
               )

      assert_receive {:head, head}
      assert head =~ ~r"\APOST http://example.invalid/submit HTTP/1.1\r\n"
      assert head =~ ~r"\r\ncontent-type: text/plain\r\n"i
      assert head =~ ~r"\r\ncontent-length: 11\r\n"i
    end

    test "https goes through CONNECT; a refused CONNECT is an error" do
      start_bridge(fake_proxy(http_answer(403, "not approved")))
      assert {:error, _reason} = HTTP.request(:get, "https://example.invalid/secret")
      assert_receive {:head, head}
      assert head =~ ~r"\ACONNECT example.invalid:443 HTTP/1.1\r\n"
    end

    test "arguments are checked before anything is sent" do
      assert HTTP.request(:bogus, "http://example.invalid/") ==
               {:error, {:unsupported_method, :bogus}}

      assert HTTP.request("TRACE", "http://example.invalid/") ==
               {:error, {:unsupported_method, "TRACE"}}

      assert HTTP.request(:get, "ftp://example.invalid/") ==
               {:error, {:invalid_url, "ftp://example.invalid/"}}

      assert HTTP.request(:get, "http:///nohost") == {:error, {:invalid_url, "http:///nohost"}}

      assert HTTP.request(:get, "http://example.invalid/", [], "x") ==
               {:error, {:body_not_allowed, :get}}
    end
  end

  @script """
  {:ok, _} = Application.ensure_all_started(:opensentience_agent_sdk)
  IO.puts("url=\#{OpenSentience.HTTP.proxy_url()}")
  IO.puts("env=\#{System.get_env("HTTPS_PROXY")} \#{System.get_env("http_proxy")}")
  {:ok, r} = OpenSentience.HTTP.request(:get, "http://example.invalid/from-agent")
  IO.puts("status=\#{r.status} body=\#{r.body}")
  """

  @tag timeout: 60_000
  test "an agent VM started with the variable has the bridge from the start" do
    path = fake_proxy(http_answer(200, "hi agent"))
    ebin = :code.which(OpenSentience.Egress) |> Path.dirname()

    {out, status} =
      System.cmd(System.find_executable("elixir"), ["-pa", ebin, "-e", @script],
        env: [{"OPENSENTIENCE_EGRESS_SOCKET", path}],
        stderr_to_stdout: true
      )

    assert status == 0, out
    [_, port] = Regex.run(~r/url=http:\/\/127\.0\.0\.1:(\d+)\n/, out)
    url = "http://127.0.0.1:#{port}"
    assert out =~ "env=#{url} #{url}\n"
    assert out =~ "status=200 body=hi agent\n"
    assert_receive {:head, "GET http://example.invalid/from-agent HTTP/1.1\r\n" <> _}
  end

  defp drain(socket, n) do
    case :gen_tcp.recv(socket, 0, 10_000) do
      {:ok, data} -> drain(socket, n + byte_size(data))
      {:error, _} -> n
    end
  end
end
