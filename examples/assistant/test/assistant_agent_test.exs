defmodule AssistantAgentTest do
  use ExUnit.Case, async: true

  alias AssistantAgent.Chat
  alias OpenSentience.Testing

  defp deltas(acc \\ []) do
    receive do
      {:opensentience_frame, %{"type" => "chat.delta", "payload" => %{"text" => text}}} ->
        deltas([text | acc])
    after
      0 -> Enum.reverse(acc)
    end
  end

  test "replies stream word by word and chat.done carries the whole reply" do
    assert {:ok, reply} = Testing.chat(Chat, "hello there")
    assert reply =~ "echo hello"
    parts = deltas()
    assert length(parts) > 5
    assert Enum.join(parts) == reply
  end

  test "echo <text> calls the echo agent's tool" do
    invoke = fn "com.opensentience.examples.echo/echo", %{"text" => text} ->
      {:ok, %{"text" => text}}
    end

    assert Testing.chat(Chat, "please echo good morning", invoke: invoke) ==
             {:ok, "Echo says: good morning"}
  end

  test "shout <text> calls the invoker agent's tool" do
    invoke = fn "com.opensentience.examples.invoker/shout", %{"text" => text} ->
      {:ok, %{"text" => String.upcase(text)}}
    end

    assert Testing.chat(Chat, "shout hi you", invoke: invoke) == {:ok, "Shouted: HI YOU"}
  end

  test "a failing tool call is explained in the reply" do
    invoke = fn _tool, _args ->
      {:error, %{code: "permission_denied", message: "not approved"}}
    end

    assert {:ok, reply} = Testing.chat(Chat, "echo x", invoke: invoke)
    assert reply =~ "permission_denied"
  end

  test "count to N streams the numbers and can be canceled" do
    run = Testing.start_chat(Chat, "count to 100")

    assert_receive {:opensentience_frame,
                    %{"type" => "chat.delta", "payload" => %{"text" => "1"}}},
                   1_000

    Testing.cancel(run)
    assert {:error, %{"code" => "canceled"}} = Testing.await(run, 500)
  end

  test "what did I say uses the history" do
    history = [%{role: "user", text: "first"}, %{role: "assistant", text: "ok"}]

    assert Testing.chat(Chat, %{text: "what did I say?", history: history}) ==
             {:ok, "You said: first"}
  end

  test "the manifest declares chat and the invoke permissions" do
    manifest = "opensentience.agent.json" |> File.read!() |> OpenSentience.JSON.decode!()
    assert "chat" in manifest["capabilities"]

    assert manifest["permissions"] == [
             "tool:invoke:com.opensentience.examples.echo/*",
             "tool:invoke:com.opensentience.examples.invoker/*"
           ]
  end
end
