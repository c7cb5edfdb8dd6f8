defmodule AssistantAgent do
  @moduledoc """
  Example chat agent: a rule-based assistant (no language model) that streams
  its replies word by word and calls the echo and invoker examples' tools.
  """

  use OpenSentience.Agent, chat: AssistantAgent.Chat
end
