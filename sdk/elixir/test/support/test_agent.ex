defmodule OpenSentience.Test.Tools do
  @moduledoc false
  # Tools used by the integration tests. Some report to an "observer" pid
  # passed in the arguments (term_to_binary, base64) so tests can see inside.

  def encode_pid(pid), do: pid |> :erlang.term_to_binary() |> Base.encode64()
  def decode_pid(text), do: text |> Base.decode64!() |> :erlang.binary_to_term()

  defmodule Echo do
    @moduledoc "Returns its text."
    use OpenSentience.Tool,
      input_schema: %{
        "type" => "object",
        "required" => ["text"],
        "properties" => %{"text" => %{"type" => "string"}}
      }

    @impl true
    def call(%{"text" => text}, _ctx) when is_binary(text), do: {:ok, %{text: text}}
  end

  defmodule Stream do
    @moduledoc "Sends n progress chunks, interval_ms apart."
    use OpenSentience.Tool, streaming: true, cancellable: true

    alias OpenSentience.Context

    @impl true
    def call(%{"n" => n} = args, ctx) do
      interval = Map.get(args, "interval_ms", 0)

      Enum.reduce_while(1..n, {:ok, %{count: n}}, fn i, acc ->
        with :ok <- Context.sleep(ctx, interval), :ok <- Context.progress(ctx, %{i: i}) do
          {:cont, acc}
        else
          {:error, :canceled} ->
            if observer = args["observer"],
              do: send(OpenSentience.Test.Tools.decode_pid(observer), {:stopped, i})

            {:halt, {:error, :canceled, "stopped"}}
        end
      end)
    end
  end

  defmodule Stubborn do
    @moduledoc "Ignores cancellation; reports its pid to the observer."
    use OpenSentience.Tool, cancellable: false

    @impl true
    def call(%{"observer" => observer}, _ctx) do
      send(OpenSentience.Test.Tools.decode_pid(observer), {:tool_pid, self()})
      Process.sleep(:infinity)
    end
  end

  defmodule Crash do
    @moduledoc "Raises with a message that must not reach the caller."
    use OpenSentience.Tool

    @impl true
    def call(_args, _ctx), do: raise("secret-value-1234")
  end

  defmodule Fail do
    @moduledoc "Returns structured errors."
    use OpenSentience.Tool

    @impl true
    def call(%{"mode" => "tuple"}, _ctx), do: {:error, :permission_denied, "nope"}

    def call(%{"mode" => "map"}, _ctx),
      do:
        {:error,
         %{code: :rate_limited, message: "slow down", retryable?: true, details: %{wait_ms: 100}}}

    def call(%{"mode" => "custom"}, _ctx), do: {:error, :not_found, "no such thing"}
    def call(%{"mode" => "garbage"}, _ctx), do: :what
    def call(%{"mode" => "not_json"}, _ctx), do: {:ok, %{pid: self()}}
    def call(%{"mode" => "too_big"}, _ctx), do: {:ok, String.duplicate("x", 5_000)}
  end

  defmodule Invoke do
    @moduledoc "Invokes another agent's tool and returns its output."
    use OpenSentience.Tool, permissions: ["tool:invoke:com.example.other/echo"]

    alias OpenSentience.Context

    @impl true
    def call(args, ctx) do
      me = self()
      on_progress = fn chunk -> send(me, {:chunk, chunk}) end

      opts =
        [on_progress: on_progress] ++
          if(args["timeout_ms"], do: [timeout_ms: args["timeout_ms"]], else: [])

      case Context.invoke(ctx, args["tool"], %{"text" => "hi"}, opts) do
        {:ok, output} -> {:ok, %{inner: output, chunks: collect([])}}
        {:error, error} -> {:error, error}
      end
    end

    defp collect(acc) do
      receive do
        {:chunk, chunk} -> collect([chunk | acc])
      after
        0 -> Enum.reverse(acc)
      end
    end
  end

  defmodule Chat do
    @moduledoc false
    use OpenSentience.ChatHandler

    alias OpenSentience.Context

    @impl true
    def handle_chat(%{text: "fail"}, _ctx), do: {:error, :invalid_arguments, "cannot"}

    def handle_chat(%{text: text, history: history}, ctx) do
      words = String.split("you said #{text} after #{length(history)}")
      Enum.each(words, &Context.delta(ctx, &1 <> " "))
      {:ok, Enum.join(words, " ")}
    end
  end
end

defmodule OpenSentience.Test.Agent do
  @moduledoc false
  alias OpenSentience.Test.Tools

  use OpenSentience.Agent,
    version: "1.2.3",
    tools: [Tools.Echo, Tools.Stream, Tools.Stubborn, Tools.Crash, Tools.Fail, Tools.Invoke]
end

defmodule OpenSentience.Test.ChatAgent do
  @moduledoc false
  use OpenSentience.Agent,
    tools: [OpenSentience.Test.Tools.Echo],
    chat: OpenSentience.Test.Tools.Chat
end
