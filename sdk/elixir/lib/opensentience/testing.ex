defmodule OpenSentience.Testing do
  @moduledoc """
  Runs tools and chat handlers in unit tests, without a core.

      test "echo returns its text" do
        assert {:ok, %{"text" => "hi"}} = OpenSentience.Testing.call_tool(MyAgent.Tools.Echo, %{"text" => "hi"})
      end

  Each call runs in its own process, as under the core, and goes through the
  same result handling (error normalization, JSON encoding), so results look
  exactly as the core would see them: decoded JSON, string keys.

    * `{:ok, output}` for a tool result, `{:ok, text | nil}` for a chat turn;
    * `{:error, %{"code" => code, "message" => message}}` (plus `"retryable"`
      and `"details"` when set) for an error.

  Frames the code sends meanwhile (`tool.progress`, `chat.delta`, `log`,
  `tool.invoke`) arrive in the test process as `{:opensentience_frame, frame}`,
  `frame` being the decoded JSON envelope:

      assert_received {:opensentience_frame, %{"type" => "tool.progress", "payload" => %{"seq" => 1}}}

  Options of the `call_*`/`start_*` functions:

    * `:invoke` - `fn tool_id, arguments -> {:ok, output} | {:error, error} end`,
      answering `OpenSentience.Context.invoke/4`;
    * `:timeout` - how long `call_tool/3` and `chat/3` wait (default 5000 ms);
    * `:max_frame_bytes` - default 1 MiB.
  """

  alias OpenSentience.{Context, JSON}
  alias OpenSentience.Agent.CallRunner

  defmodule Run do
    @moduledoc "A tool call or chat turn started by `OpenSentience.Testing`."
    defstruct [:task, :ctx]
    @type t :: %__MODULE__{task: Task.t(), ctx: Context.t()}
  end

  @doc "Calls `tool` with `arguments` and waits for the outcome."
  @spec call_tool(module(), map(), keyword()) :: {:ok, term()} | {:error, map()}
  def call_tool(tool, arguments \\ %{}, opts \\ []) do
    tool |> start_tool(arguments, opts) |> await(Keyword.get(opts, :timeout, 5_000))
  end

  @doc "Starts a tool call; use `cancel/2` and `await/2` on the result."
  @spec start_tool(module(), map(), keyword()) :: Run.t()
  def start_tool(tool, arguments \\ %{}, opts \\ []) do
    ctx = context(opts, kind: :tool, tool: tool.name(), streaming?: tool.streaming?())
    run(ctx, fn -> CallRunner.execute_tool(tool, arguments, ctx) end)
  end

  @doc """
  Runs one chat turn. `message` is the user's text or a map with `:text` and
  optionally `:history`, `:session_id`, `:message_id`.
  """
  @spec chat(module(), String.t() | map(), keyword()) :: {:ok, String.t() | nil} | {:error, map()}
  def chat(handler, message, opts \\ []) do
    handler |> start_chat(message, opts) |> await(Keyword.get(opts, :timeout, 5_000))
  end

  @doc "Starts a chat turn; use `cancel/2` and `await/2` on the result."
  @spec start_chat(module(), String.t() | map(), keyword()) :: Run.t()
  def start_chat(handler, message, opts \\ []) do
    ctx = context(opts, kind: :chat)
    message = chat_message(message)
    run(ctx, fn -> CallRunner.execute_chat(handler, message, ctx) end)
  end

  @doc "Cancels a running call, as the core's `tool.cancel` would."
  @spec cancel(Run.t(), String.t()) :: :ok
  def cancel(%Run{task: task, ctx: ctx}, reason \\ "test") do
    Context.mark_canceled(ctx)
    send(task.pid, {:opensentience_cancel, reason})
    :ok
  end

  @doc "Waits for a started call and returns its outcome (see the module doc)."
  @spec await(Run.t(), timeout()) :: {:ok, term()} | {:error, map()}
  def await(%Run{task: task}, timeout \\ 5_000) do
    frame = task |> Task.await(timeout) |> JSON.decode!()

    case frame do
      %{"type" => "tool.result", "payload" => %{"output" => output}} -> {:ok, output}
      %{"type" => "chat.done", "payload" => payload} -> {:ok, payload["text"]}
      %{"type" => "tool.error", "payload" => %{"error" => error}} -> {:error, error}
    end
  end

  @doc """
  Checks that the manifest's `tool_summary` names exactly the tools `agent`
  declares (`use OpenSentience.Agent, tools: [...]`). Returns `:ok`, or
  `{:error, message}` naming the missing and the extra tools:

      test "the manifest lists every tool" do
        assert OpenSentience.Testing.check_tool_summary(MyAgent) == :ok
      end

  `manifest_path` defaults to `opensentience.agent.json` in the current
  directory (the project root under `mix test`). `opensentience agents test`
  makes the same check against the compiled agent.
  """
  @spec check_tool_summary(module(), Path.t()) :: :ok | {:error, String.t()}
  def check_tool_summary(agent, manifest_path \\ "opensentience.agent.json") do
    with {:ok, tools} <- OpenSentience.Agent.tools(agent) do
      OpenSentience.ToolSummary.compare(Enum.map(tools, & &1.name), manifest_path, inspect(agent))
    end
  end

  @doc "A context whose frames are sent to the calling process (see the module doc)."
  @spec context(keyword(), keyword()) :: Context.t()
  def context(opts \\ [], fields \\ [kind: :tool]) do
    Context.new(
      [
        request_id: "test-" <> OpenSentience.Protocol.new_id(),
        correlation_id: "test-correlation",
        frame_id: "test-frame",
        caller: %{"kind" => "cli", "id" => "test"},
        agent_id: Keyword.get(opts, :agent_id, "test.agent"),
        transport: {:test, self(), Keyword.get(opts, :invoke)},
        max_frame_bytes: Keyword.get(opts, :max_frame_bytes, 1_048_576)
      ] ++ fields
    )
  end

  defp run(ctx, fun) do
    task = Task.async(fn -> fun.() |> CallRunner.terminal_body(ctx) end)
    %Run{task: task, ctx: ctx}
  end

  defp chat_message(text) when is_binary(text), do: chat_message(%{text: text})

  defp chat_message(%{} = message) do
    %{
      session_id: Map.get(message, :session_id, "test-session"),
      message_id: Map.get(message, :message_id, "test-message"),
      text: Map.fetch!(message, :text),
      history: Map.get(message, :history, [])
    }
  end
end
