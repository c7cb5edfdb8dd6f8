defmodule OpenSentience.ProtocolTest do
  use ExUnit.Case, async: true

  alias OpenSentience.{JSON, Protocol}
  alias OpenSentience.Protocol.Frame

  test "new/3 builds a v1 frame with a fresh id" do
    a = Protocol.new("heartbeat", %{seq: 1})
    b = Protocol.new("heartbeat", %{seq: 1})
    assert %Frame{v: 1, type: "heartbeat", payload: %{seq: 1}} = a
    assert a.id != b.id
    assert a.id =~ ~r/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
  end

  test "new_id/0: UUID v4 form, unique, a per-VM head then a counter" do
    ids = for _ <- 1..10_000, do: Protocol.new_id()
    assert length(Enum.uniq(ids)) == 10_000

    for id <- ids,
        do:
          assert(id =~ ~r/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)

    assert ids |> Enum.map(&binary_part(&1, 0, 19)) |> Enum.uniq() |> length() == 1
  end

  test "encode/2 counts the envelope in max_depth" do
    frame = Protocol.new("tool.result", %{output: %{a: [1]}}, request_id: "r")
    # envelope 1, payload 2, output 3, list 4
    assert {:ok, _} = Protocol.encode(frame, max_depth: 4)

    assert {:error, %JSON.EncodeError{reason: {:too_deep, 3}}} =
             Protocol.encode(frame, max_depth: 3)

    assert {:error, %JSON.EncodeError{reason: :invalid_utf8}} =
             Protocol.encode(%{frame | request_id: <<0xFF>>})
  end

  test "encode/1 omits absent optional fields" do
    frame = Protocol.new("log", %{level: "info", message: "x"}, request_id: "r1")
    assert {:ok, body} = Protocol.encode(frame)

    assert JSON.decode!(body) == %{
             "v" => 1,
             "type" => "log",
             "id" => frame.id,
             "request_id" => "r1",
             "payload" => %{"level" => "info", "message" => "x"}
           }
  end

  test "caused_by/4 copies the call's ids" do
    cause = %Frame{
      type: "tool.call",
      id: "f1",
      request_id: "r1",
      correlation_id: "c1",
      payload: %{}
    }

    reply = Protocol.caused_by(cause, "tool.result", %{output: 1}, reply: true)

    assert %Frame{request_id: "r1", correlation_id: "c1", causation_id: "f1", reply_to: "f1"} =
             reply

    assert %Frame{reply_to: nil, causation_id: "f1"} =
             Protocol.caused_by(cause, "tool.progress", %{})
  end

  test "decode/1 round-trips an encoded frame" do
    frame =
      Protocol.new("tool.call", %{"tool" => "echo"},
        request_id: "r",
        correlation_id: "c",
        causation_id: "x",
        reply_to: "y"
      )

    {:ok, body} = Protocol.encode(frame)
    assert {:ok, ^frame} = Protocol.decode(body)
  end

  test "decode/1 ignores unknown fields and accepts unknown types" do
    assert {:ok, %Frame{type: "future.thing", payload: %{}}} =
             Protocol.decode(~s({"v":1,"type":"future.thing","id":"a","payload":{},"extra":true}))

    refute Protocol.known_type?("future.thing")
    assert Protocol.known_type?("tool.call")
  end

  test "decode/1 rejects bad envelopes with the right code and the frame id when readable" do
    cases = [
      {"", "bad_frame", nil},
      {"not json", "bad_frame", nil},
      {"[1]", "bad_frame", nil},
      {~s({"type":"x","id":"a","payload":{}}), "bad_frame", "a"},
      {~s({"v":"1","type":"x","id":"a","payload":{}}), "bad_frame", "a"},
      {~s({"v":2,"type":"x","id":"a","payload":{}}), "unsupported_version", "a"},
      {~s({"v":1,"id":"a","payload":{}}), "bad_frame", "a"},
      {~s({"v":1,"type":"","id":"a","payload":{}}), "bad_frame", "a"},
      {~s({"v":1,"type":"x","payload":{}}), "bad_frame", nil},
      {~s({"v":1,"type":"x","id":5,"payload":{}}), "bad_frame", nil},
      {~s({"v":1,"type":"x","id":"a"}), "bad_frame", "a"},
      {~s({"v":1,"type":"x","id":"a","payload":[]}), "bad_frame", "a"},
      {~s({"v":1,"type":"x","id":"a","payload":{},"request_id":7}), "bad_frame", "a"}
    ]

    for {body, code, id} <- cases do
      assert {:error, %{code: ^code, frame_id: ^id, message: message}} = Protocol.decode(body),
             body

      assert is_binary(message)
    end
  end

  test "tool_error_payload/1 shapes the error and bounds the message" do
    assert Protocol.tool_error_payload(%{code: :timeout, message: "late", retryable: true}) ==
             %{error: %{code: "timeout", message: "late", retryable: true}}

    long = String.duplicate("é", 3000)
    %{error: %{message: cut}} = Protocol.tool_error_payload(%{code: "internal", message: long})
    assert byte_size(cut) <= 4096 and String.valid?(cut)
  end

  test "truncate/2 never splits a character" do
    assert Protocol.truncate("abc", 10) == "abc"
    assert Protocol.truncate("aé", 2) == "a"
    assert Protocol.truncate("😀😀", 5) == "😀"
  end

  test "error codes and types match the baseline" do
    assert length(Protocol.error_codes()) == 14
    assert length(Protocol.types()) == 17
    assert Protocol.error_code?("canceled")
    refute Protocol.error_code?("not_found")
  end
end
