defmodule OpenSentience.ChatHandler do
  @moduledoc """
  Answers chat turns. Optional: give it to `use OpenSentience.Agent, chat: MyHandler`
  and the agent declares the `chat` capability.

      defmodule MyAgent.Chat do
        use OpenSentience.ChatHandler
        alias OpenSentience.Context

        @impl true
        def handle_chat(%{text: text}, ctx) do
          for word <- String.split("You said: " <> text) do
            Context.delta(ctx, word <> " ")
          end

          {:ok, nil}
        end
      end

  `handle_chat/2` runs in its own process per turn and receives:

    * `:session_id`, `:message_id` - ids of the chat session and user message;
    * `:text` - the user's message;
    * `:history` - earlier turns, oldest first, as `%{role: role, text: text}`.

  Stream the reply with `OpenSentience.Context.delta/2`. Return `{:ok, text}`
  to finish the turn with `chat.done` carrying `text` (the full reply, if you
  want the core to store exactly that) or `{:ok, nil}` for a `chat.done` with
  no text. Return an error (as in `c:OpenSentience.Tool.call/2`) to fail the
  turn. Tools called through `OpenSentience.Context.invoke/4` carry the turn's
  `correlation_id`, so the chat shows them as invocation cards.

  A turn is canceled like a tool call (see `OpenSentience.Context`).
  """

  alias OpenSentience.{Context, Tool}

  @type message :: %{
          session_id: String.t() | nil,
          message_id: String.t() | nil,
          text: String.t(),
          history: [%{role: String.t(), text: String.t()}]
        }

  @callback handle_chat(message(), Context.t()) ::
              {:ok, String.t() | nil} | {:error, Tool.code(), String.t()} | {:error, Tool.error()}

  @doc false
  defmacro __using__(_opts) do
    quote do
      @behaviour OpenSentience.ChatHandler
    end
  end
end
