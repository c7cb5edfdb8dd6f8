defmodule EchoAgent.Tools.SlowCount do
  @moduledoc "Counts from 1 to n, one progress chunk every interval_ms."

  use OpenSentience.Tool,
    streaming: true,
    cancellable: true,
    input_schema: %{
      "type" => "object",
      "required" => ["n"],
      "properties" => %{
        "n" => %{"type" => "integer", "minimum" => 1, "maximum" => 1000},
        "interval_ms" => %{
          "type" => "integer",
          "minimum" => 0,
          "maximum" => 60_000,
          "default" => 100
        }
      }
    }

  alias OpenSentience.Context

  @impl true
  def call(%{"n" => n} = args, ctx) when is_integer(n) and n in 1..1000 do
    case Map.get(args, "interval_ms", 100) do
      interval when is_integer(interval) and interval in 0..60_000 -> count(1, n, interval, ctx)
      _ -> {:error, :invalid_arguments, "interval_ms must be an integer from 0 to 60000"}
    end
  end

  def call(_args, _ctx), do: {:error, :invalid_arguments, "n must be an integer from 1 to 1000"}

  defp count(i, n, _interval, _ctx) when i > n, do: {:ok, %{count: n}}

  defp count(i, n, interval, ctx) do
    # Context.sleep/2 returns early when the core cancels the call.
    with :ok <- Context.sleep(ctx, interval),
         :ok <- Context.progress(ctx, %{i: i}) do
      count(i + 1, n, interval, ctx)
    else
      {:error, :canceled} ->
        # Logged so tests (and people) can see the agent itself noticed the cancel.
        Context.log(ctx, :info, "slow_count canceled at #{i} (request #{ctx.request_id})")
        {:error, :canceled, "canceled at #{i}"}

      {:error, reason} ->
        {:error, :internal, "could not send progress: #{reason}"}
    end
  end
end
