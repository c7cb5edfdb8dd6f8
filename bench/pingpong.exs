# Raw baseline for bench/runtime-calls.ts: connect to the Unix socket given as
# the first argument with the same 4-byte length framing as the runtime
# protocol, and echo every frame back unchanged until the socket closes.
[path] = System.argv()
{:ok, sock} = :gen_tcp.connect({:local, String.to_charlist(path)}, 0, [:binary, packet: 4, active: false])

loop = fn loop ->
  case :gen_tcp.recv(sock, 0) do
    {:ok, data} ->
      :ok = :gen_tcp.send(sock, data)
      loop.(loop)

    {:error, _} ->
      :ok
  end
end

loop.(loop)
