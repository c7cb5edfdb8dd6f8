defmodule AssistantAgent.Chat do
  @moduledoc """
  Answers chat turns with simple rules:

    * `echo <text>` - asks the echo example's `echo` tool to repeat the text;
    * `shout <text>` - asks the invoker example's `shout` tool (which itself
      calls echo) to upper-case the text;
    * `count to N` - streams the numbers 1..N slowly (handy to try cancel);
    * `what did I say` - quotes your previous message from the history;
    * anything else - a short help text.

  Replies stream word by word (`chat.delta`), a little apart; a canceled turn
  stops at the next word.
  """

  use OpenSentience.ChatHandler

  alias OpenSentience.Context

  @echo_tool "com.opensentience.examples.echo/echo"
  @shout_tool "com.opensentience.examples.invoker/shout"
  @word_delay_ms 30
  @count_delay_ms 200
  @max_count 1000

  @impl true
  def handle_chat(%{text: text, history: history}, ctx) do
    text = String.trim(text)

    cond do
      match = Regex.run(~r/\bcount to (\d+)/i, text) ->
        count(String.to_integer(Enum.at(match, 1)), ctx)

      match = Regex.run(~r/\bshout\s+(.+)$/is, text) ->
        call_tool(@shout_tool, Enum.at(match, 1), "Shouted", ctx) |> stream(ctx)

      match = Regex.run(~r/\becho\s+(.+)$/is, text) ->
        call_tool(@echo_tool, Enum.at(match, 1), "Echo says", ctx) |> stream(ctx)

      Regex.match?(~r/\bwhat did i (just )?say\b/i, text) ->
        recall(history) |> stream(ctx)

      true ->
        help(text) |> stream(ctx)
    end
  end

  defp call_tool(tool, argument, label, ctx) do
    case Context.invoke(ctx, tool, %{"text" => String.trim(argument)}) do
      {:ok, %{"text" => result}} -> "#{label}: #{result}"
      {:ok, other} -> "#{label}: #{inspect(other)}"
      {:error, %{code: code, message: message}} -> "I could not use #{tool} (#{code}): #{message}"
    end
  end

  defp recall(history) do
    case history |> Enum.filter(&(&1.role == "user")) |> List.last() do
      %{text: previous} -> "You said: #{previous}"
      nil -> "This is the first thing you said to me."
    end
  end

  defp help(text) do
    heard = if text == "", do: "", else: "I heard \"#{String.slice(text, 0, 200)}\". "

    heard <>
      "I am a rule-based example assistant. Try \"echo hello\", \"shout hello\", " <>
      "\"count to 5\" or \"what did I say\"."
  end

  # Streams `reply` word by word and finishes the turn with the full text.
  defp stream(reply, ctx) do
    [first | rest] = String.split(reply, " ")
    parts = [first | Enum.map(rest, &(" " <> &1))]

    case send_parts(parts, @word_delay_ms, ctx) do
      :ok -> {:ok, reply}
      {:error, :canceled} -> {:error, :canceled, "canceled"}
    end
  end

  defp count(n, ctx) when n in 1..@max_count do
    parts = Enum.map(1..n, fn i -> if i == 1, do: "1", else: " #{i}" end)

    case send_parts(parts, @count_delay_ms, ctx) do
      :ok -> {:ok, Enum.join(parts)}
      {:error, :canceled} -> {:error, :canceled, "canceled"}
    end
  end

  defp count(_n, ctx), do: stream("I can count from 1 to #{@max_count}.", ctx)

  defp send_parts([], _delay, _ctx), do: :ok

  defp send_parts([part | rest], delay, ctx) do
    with :ok <- Context.delta(ctx, part),
         :ok <- if(rest == [], do: :ok, else: Context.sleep(ctx, delay)) do
      send_parts(rest, delay, ctx)
    else
      {:error, :canceled} -> {:error, :canceled}
      # Not connected any more: nothing to stream to; the turn is over.
      {:error, _other} -> {:error, :canceled}
    end
  end
end
