defmodule InvokerAgentTest do
  use ExUnit.Case, async: true

  alias InvokerAgent.Tools.Shout
  alias OpenSentience.Testing

  @echo "com.opensentience.examples.echo/echo"

  test "shout invokes echo and upper-cases the result" do
    invoke = fn @echo, %{"text" => text} -> {:ok, %{"text" => text}} end

    assert Testing.call_tool(Shout, %{"text" => "hello"}, invoke: invoke) ==
             {:ok, %{"text" => "HELLO"}}

    assert_received {:opensentience_frame,
                     %{"type" => "tool.invoke", "payload" => %{"tool" => @echo}}}
  end

  test "the callee's error is passed on" do
    invoke = fn _tool, _args ->
      {:error, %{code: "permission_denied", message: "not approved"}}
    end

    assert {:error, %{"code" => "permission_denied", "message" => message}} =
             Testing.call_tool(Shout, %{"text" => "x"}, invoke: invoke)

    assert message =~ "not approved"
  end

  test "shout declares the permission its manifest requests" do
    manifest = "opensentience.agent.json" |> File.read!() |> OpenSentience.JSON.decode!()
    assert Shout.permissions() == ["tool:invoke:" <> @echo]
    assert Shout.permissions() -- manifest["permissions"] == []
  end
end
