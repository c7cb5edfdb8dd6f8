defmodule OpenSentience.Test.TraceTools do
  @moduledoc false

  defmodule Peek do
    @moduledoc false
    use OpenSentience.Tool, description: "Returns what the call sees of its trace context"

    alias OpenSentience.Context

    @impl true
    def call(args, ctx) do
      _ = Context.log(ctx, :info, "peek", %{"k" => "v"})
      meta = Logger.metadata()

      trace =
        if ctx.trace,
          do: Map.take(Map.from_struct(ctx.trace), [:trace_id, :parent_id, :span_id]),
          else: nil

      if args["fail"] do
        {:error, :invalid_arguments, "asked to fail"}
      else
        {:ok, %{trace: trace, logger: %{trace_id: meta[:trace_id], span_id: meta[:span_id]}}}
      end
    end
  end

  defmodule Forward do
    @moduledoc false
    use OpenSentience.Tool,
      description: "Invokes another tool",
      permissions: ["tool:invoke:com.example.other/echo"]

    @impl true
    def call(_args, ctx), do: OpenSentience.Context.invoke(ctx, "com.example.other/echo", %{})
  end

  defmodule Chat do
    @moduledoc false
    use OpenSentience.ChatHandler

    @impl true
    def handle_chat(_message, _ctx), do: {:ok, "done"}
  end
end

defmodule OpenSentience.Test.TraceAgent do
  @moduledoc false
  use OpenSentience.Agent,
    version: "0.0.1",
    tools: [OpenSentience.Test.TraceTools.Peek, OpenSentience.Test.TraceTools.Forward],
    chat: OpenSentience.Test.TraceTools.Chat
end

defmodule OpenSentience.Agent.TraceTest do
  use ExUnit.Case, async: true

  alias OpenSentience.Test.FakeCore
  alias OpenSentience.Trace

  @trace_id "0af7651916cd43dd8448eb211c80319c"
  @parent "b7ad6b7169203331"
  @traceparent "00-#{@trace_id}-#{@parent}-01"

  setup do
    FakeCore.start_agent(OpenSentience.Test.TraceAgent)
  end

  defp call(socket, tool, args, payload_extra) do
    payload =
      Map.merge(
        %{tool: tool, arguments: args, timeout_ms: 30_000, caller: %{kind: "cli", id: "t"}},
        payload_extra
      )

    frame =
      FakeCore.frame("tool.call", payload,
        request_id: "req-#{System.unique_integer([:positive])}",
        correlation_id: "corr-t"
      )

    FakeCore.send_frame(socket, frame)
    frame
  end

  test "traceparent reaches tool code, its Logger metadata and its log frames; the result reports the agent span",
       %{socket: socket} do
    before_us = System.os_time(:microsecond)
    call(socket, "peek", %{}, %{traceparent: @traceparent})
    log = FakeCore.recv(socket)
    result = FakeCore.recv(socket)
    after_us = System.os_time(:microsecond)

    assert result["type"] == "tool.result"
    %{"trace" => trace, "logger" => logger} = result["payload"]["output"]
    assert trace["trace_id"] == @trace_id
    assert trace["parent_id"] == @parent
    assert trace["span_id"] =~ ~r/\A[0-9a-f]{16}\z/
    assert logger == %{"trace_id" => @trace_id, "span_id" => trace["span_id"]}

    assert log["type"] == "log"

    assert log["payload"]["fields"] == %{
             "k" => "v",
             "trace_id" => @trace_id,
             "span_id" => trace["span_id"]
           }

    span = result["payload"]["agent_span"]
    assert span["span_id"] == trace["span_id"]
    assert before_us <= span["start_us"] and span["start_us"] <= span["end_us"]
    assert span["end_us"] <= after_us
  end

  test "errors and chat turns report the agent span too", %{socket: socket} do
    call(socket, "peek", %{"fail" => true}, %{traceparent: @traceparent})
    _log = FakeCore.recv(socket)
    error = FakeCore.recv(socket)
    assert error["type"] == "tool.error"
    assert error["payload"]["error"]["code"] == "invalid_arguments"
    assert error["payload"]["agent_span"]["span_id"] =~ ~r/\A[0-9a-f]{16}\z/

    payload = %{
      session_id: "s",
      message_id: "m",
      text: "hi",
      history: [],
      traceparent: @traceparent
    }

    FakeCore.send_frame(
      socket,
      FakeCore.frame("chat.message", payload, request_id: "turn-1", correlation_id: "c")
    )

    done = FakeCore.recv(socket)
    assert done["type"] == "chat.done"
    assert done["payload"]["text"] == "done"
    assert done["payload"]["agent_span"]["span_id"] =~ ~r/\A[0-9a-f]{16}\z/
  end

  test "tool.invoke carries a traceparent naming the calling tool's span", %{socket: socket} do
    call(socket, "forward", %{}, %{traceparent: @traceparent})
    invoke = FakeCore.recv(socket)
    assert invoke["type"] == "tool.invoke"
    assert "00-" <> @trace_id <> "-" <> rest = invoke["payload"]["traceparent"]
    [span_id, "01"] = String.split(rest, "-")

    FakeCore.send_frame(
      socket,
      FakeCore.frame("tool.result", %{output: %{"ok" => 1}},
        request_id: invoke["request_id"],
        causation_id: invoke["id"]
      )
    )

    result = FakeCore.recv(socket)
    assert result["type"] == "tool.result"
    assert result["payload"]["agent_span"]["span_id"] == span_id
  end

  test "without a traceparent (or with a malformed one) nothing is added", %{socket: socket} do
    for extra <- [%{}, %{traceparent: "00-zz-yy-01"}, %{traceparent: 7}] do
      call(socket, "peek", %{}, extra)
      log = FakeCore.recv(socket)
      result = FakeCore.recv(socket)
      assert log["payload"]["fields"] == %{"k" => "v"}

      assert result["payload"] == %{
               "output" => %{"trace" => nil, "logger" => %{"trace_id" => nil, "span_id" => nil}}
             }
    end

    call(socket, "forward", %{}, %{})
    invoke = FakeCore.recv(socket)
    refute Map.has_key?(invoke["payload"], "traceparent")
  end

  test "from_traceparent rejects what W3C says to ignore" do
    assert %Trace{trace_id: @trace_id, parent_id: @parent} = Trace.from_traceparent(@traceparent)

    for bad <- [
          nil,
          "",
          String.upcase(@traceparent),
          "01-#{@trace_id}-#{@parent}-01",
          "00-#{String.duplicate("0", 32)}-#{@parent}-01",
          "00-#{@trace_id}-#{String.duplicate("0", 16)}-01",
          @traceparent <> "-extra",
          "00-#{String.replace(@trace_id, "a", "g", global: false)}-#{@parent}-01",
          "00-#{@trace_id}-#{String.replace(@parent, "b", " ", global: false)}-01"
        ] do
      assert Trace.from_traceparent(bad) == nil, inspect(bad)
    end
  end

  test "span ids: 16 lower-case hex digits, fresh per call, never all zeros" do
    ids = for _ <- 1..5_000, do: Trace.from_traceparent(@traceparent).span_id
    assert length(Enum.uniq(ids)) == 5_000
    for id <- ids, do: assert(id =~ ~r/\A[0-9a-f]{16}\z/ and id != String.duplicate("0", 16))
  end
end
