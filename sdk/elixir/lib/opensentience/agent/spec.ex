defmodule OpenSentience.Agent.Spec do
  @moduledoc false
  # What an agent module declares (`use OpenSentience.Agent, ...`), checked and
  # resolved once at start: tool descriptors for tools.register, a name -> tool
  # lookup for tool.call, the chat handler and the capabilities for hello.

  alias OpenSentience.Tool

  defstruct [:module, :version, :chat, tools: %{}, descriptors: [], capabilities: []]

  @type tool_entry :: %{module: module(), streaming?: boolean()}
  @type t :: %__MODULE__{
          module: module(),
          version: String.t(),
          chat: module() | nil,
          tools: %{String.t() => tool_entry()},
          descriptors: [map()],
          capabilities: [String.t()]
        }

  @doc "Loads and validates the declaration of `agent`."
  @spec load(module()) :: {:ok, t()} | {:error, {:invalid_agent, String.t()}}
  def load(agent) do
    with :ok <- check_agent(agent),
         opts = agent.__opensentience_agent__(),
         {:ok, descriptors} <- descriptors(Keyword.get(opts, :tools, [])),
         :ok <- check_unique(descriptors),
         {:ok, chat} <- check_chat(Keyword.get(opts, :chat)),
         {:ok, version} <- check_version(Keyword.get(opts, :version)),
         {:ok, caps} <- check_capabilities(Keyword.get(opts, :capabilities), descriptors, chat) do
      tools =
        Map.new(Enum.zip(Keyword.get(opts, :tools, []), descriptors), fn {module, d} ->
          {d.name, %{module: module, streaming?: d.streaming}}
        end)

      {:ok,
       %__MODULE__{
         module: agent,
         version: version,
         chat: chat,
         tools: tools,
         descriptors: descriptors,
         capabilities: caps
       }}
    else
      {:error, message} -> {:error, {:invalid_agent, "#{inspect(agent)}: #{message}"}}
    end
  end

  @doc """
  Capabilities derived from the declaration: `tools` when there are tools,
  `streaming` / `cancellation` when a tool streams / is cancellable or there is
  a chat handler (chat turns always stream and can be canceled), `chat` with a
  chat handler.
  """
  @spec capabilities([map()], module() | nil) :: [String.t()]
  def capabilities(descriptors, chat) do
    [
      {"tools", descriptors != []},
      {"streaming", chat != nil or Enum.any?(descriptors, & &1.streaming)},
      {"cancellation", chat != nil or Enum.any?(descriptors, & &1.cancellable)},
      {"chat", chat != nil}
    ]
    |> Enum.filter(&elem(&1, 1))
    |> Enum.map(&elem(&1, 0))
  end

  defp check_agent(agent) do
    if Code.ensure_loaded?(agent) and function_exported?(agent, :__opensentience_agent__, 0),
      do: :ok,
      else: {:error, "module does not use OpenSentience.Agent"}
  end

  defp descriptors(tools) when is_list(tools) and length(tools) > 256,
    do: {:error, "at most 256 tools, got #{length(tools)}"}

  defp descriptors(tools) when is_list(tools) do
    Enum.reduce_while(tools, {:ok, []}, fn tool, {:ok, acc} ->
      case Tool.descriptor(tool) do
        {:ok, d} -> {:cont, {:ok, [d | acc]}}
        {:error, message} -> {:halt, {:error, "tool " <> message}}
      end
    end)
    |> case do
      {:ok, acc} -> {:ok, Enum.reverse(acc)}
      error -> error
    end
  end

  defp descriptors(other),
    do: {:error, ":tools must be a list of modules, got: #{inspect(other)}"}

  defp check_unique(descriptors) do
    case descriptors |> Enum.frequencies_by(& &1.name) |> Enum.filter(fn {_, n} -> n > 1 end) do
      [] ->
        :ok

      dups ->
        {:error, "duplicate tool names: #{dups |> Enum.map(&elem(&1, 0)) |> Enum.join(", ")}"}
    end
  end

  defp check_version(nil), do: {:ok, "0.0.0"}
  defp check_version(v) when is_binary(v) and v != "" and byte_size(v) <= 64, do: {:ok, v}

  defp check_version(v),
    do: {:error, ":version must be a string of 1 to 64 bytes, got: #{inspect(v)}"}

  defp check_capabilities(nil, descriptors, chat), do: {:ok, capabilities(descriptors, chat)}

  defp check_capabilities(caps, _descriptors, _chat) do
    if is_list(caps) and length(caps) <= 64 and
         Enum.all?(caps, &(is_binary(&1) and &1 != "" and byte_size(&1) <= 64)),
       do: {:ok, caps},
       else: {:error, ":capabilities must be a list of short strings, got: #{inspect(caps)}"}
  end

  defp check_chat(nil), do: {:ok, nil}

  defp check_chat(chat) when is_atom(chat) do
    if Code.ensure_loaded?(chat) and function_exported?(chat, :handle_chat, 2),
      do: {:ok, chat},
      else: {:error, "chat handler #{inspect(chat)} does not define handle_chat/2"}
  end

  defp check_chat(other), do: {:error, ":chat must be a module, got: #{inspect(other)}"}
end
