defmodule OpenSentience.ToolSummary do
  @moduledoc false
  # The manifest's tool_summary against the tools an agent declares: shared by
  # OpenSentience.Testing.check_tool_summary/2 and the compile-time warning of
  # `use OpenSentience.Agent`.

  alias OpenSentience.JSON

  @doc "Compares declared tool names with the manifest's; `:ok` or `{:error, message}`."
  @spec compare([String.t()], Path.t(), String.t()) :: :ok | {:error, String.t()}
  def compare(declared, manifest_path, agent_label) do
    with {:ok, listed} <- names(manifest_path) do
      missing = declared -- listed
      extra = listed -- declared

      parts =
        [
          missing != [] && "missing #{Enum.join(missing, ", ")} (declared, not in tool_summary)",
          extra != [] && "extra #{Enum.join(extra, ", ")} (in tool_summary, not declared)"
        ]
        |> Enum.filter(& &1)

      if parts == [],
        do: :ok,
        else:
          {:error,
           "tool_summary in #{manifest_path} does not match the tools #{agent_label} declares: " <>
             Enum.join(parts, "; ")}
    end
  end

  @doc "The tool names a manifest's tool_summary lists."
  @spec names(Path.t()) :: {:ok, [String.t()]} | {:error, String.t()}
  def names(path) do
    with {:ok, text} <- File.read(path),
         {:ok, %{} = manifest} <- JSON.decode(text),
         summary when is_list(summary) <- Map.get(manifest, "tool_summary", []),
         names = for(%{"name" => name} when is_binary(name) <- summary, do: name),
         true <- length(names) == length(summary) do
      {:ok, names}
    else
      {:error, reason} when is_atom(reason) ->
        {:error, "cannot read #{path}: #{:file.format_error(reason)}"}

      {:error, %JSON.DecodeError{} = e} ->
        {:error, "#{path} is not valid JSON: #{Exception.message(e)}"}

      _ ->
        {:error, "#{path}: tool_summary must be a list of {\"name\", \"description\"} objects"}
    end
  end
end
