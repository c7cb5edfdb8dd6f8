defmodule OpenSentience.Tool do
  @moduledoc """
  A tool: one callable function of an agent, registered with the core.

      defmodule MyAgent.Tools.Greet do
        use OpenSentience.Tool,
          description: "Greets someone by name",
          input_schema: %{
            "type" => "object",
            "required" => ["name"],
            "properties" => %{"name" => %{"type" => "string"}}
          }

        @impl true
        def call(%{"name" => name}, _ctx), do: {:ok, %{greeting: "Hello, \#{name}!"}}
      end

  ## Options of `use OpenSentience.Tool`

  Each option becomes the callback of the same name; define the callback
  yourself instead when the value must be computed.

    * `:name` - tool name, `^[a-z][a-z0-9_]{0,63}$`. Default: the last part of the
      module name, underscored (`MyAgent.Tools.SlowCount` → `"slow_count"`).
    * `:description` - default: the first paragraph of `@moduledoc`, else `""`.
    * `:input_schema` - JSON Schema of the arguments (a map). Default
      `%{"type" => "object"}`.
    * `:output_schema` - optional JSON Schema of the output.
    * `:permissions` - permission strings the tool needs, e.g.
      `["env:read:GITHUB_TOKEN"]`. Default `[]`. The core blocks calls to a tool
      unless all of them are approved for the agent.
    * `:streaming` - `true` if the tool sends `OpenSentience.Context.progress/2`.
      Default `false`.
    * `:cancellable` - `true` if the tool stops promptly when canceled (it checks
      `OpenSentience.Context.canceled?/1` or waits with
      `OpenSentience.Context.sleep/2`). Default `false`. Either way the SDK
      kills a canceled call that has not stopped after a short grace period.
    * `:timeout_ms` - optional per-call timeout the core should apply.

  ## `call/2`

  Runs in its own process, one per call, so it may block. Arguments are the
  decoded JSON object (string keys). Return:

    * `{:ok, output}` - any JSON-encodable term;
    * `{:error, code, message}` - `code` an atom or string from the protocol's
      error codes (e.g. `:invalid_arguments`);
    * `{:error, %{code: code, message: message, retryable?: boolean, details: map}}`
      (`retryable?` and `details` optional).

  If no clause of `call/2` matches the arguments, the caller gets
  `invalid_arguments`. If `call/2` raises, throws or exits, the caller gets
  `internal` with a generic message and the details go to the agent's log.
  """

  alias OpenSentience.Context

  @typedoc "An error code: one of the protocol's codes, as an atom or a string."
  @type code :: atom() | String.t()

  @typedoc "A structured error."
  @type error :: %{
          required(:code) => code(),
          required(:message) => String.t(),
          optional(:retryable?) => boolean(),
          optional(:details) => map()
        }

  @type result :: {:ok, term()} | {:error, code(), String.t()} | {:error, error()}

  @callback name() :: String.t()
  @callback description() :: String.t()
  @callback input_schema() :: map()
  @callback output_schema() :: map() | nil
  @callback permissions() :: [String.t()]
  @callback streaming?() :: boolean()
  @callback cancellable?() :: boolean()
  @callback timeout_ms() :: pos_integer() | nil
  @callback call(arguments :: map(), ctx :: Context.t()) :: result()

  @name_regex ~r/^[a-z][a-z0-9_]{0,63}$/
  @options_funs [
    :name,
    :description,
    :input_schema,
    :output_schema,
    :permissions,
    :streaming?,
    :cancellable?,
    :timeout_ms
  ]
  @options [
    :name,
    :description,
    :input_schema,
    :output_schema,
    :permissions,
    :streaming,
    :cancellable,
    :timeout_ms
  ]

  @doc false
  defmacro __using__(opts) do
    default_name = __CALLER__.module |> Module.split() |> List.last() |> Macro.underscore()

    quote do
      @behaviour OpenSentience.Tool
      @opensentience_tool_opts unquote(opts)
      @opensentience_tool_default_name unquote(default_name)
      @before_compile OpenSentience.Tool
    end
  end

  @doc false
  defmacro __before_compile__(env) do
    opts = Module.get_attribute(env.module, :opensentience_tool_opts)
    values = compile_values(env, opts)

    defaults =
      for {fun, value} <- values, not Module.defines?(env.module, {fun, 0}) do
        quote do
          @impl OpenSentience.Tool
          def unquote(fun)(), do: unquote(Macro.escape(value))
        end
      end

    quote do
      unquote_splicing(defaults)
      @doc false
      def __opensentience_tool__, do: true
    end
  end

  defp compile_values(env, opts) do
    unless Keyword.keyword?(opts),
      do: raise(ArgumentError, "use OpenSentience.Tool expects a keyword list")

    case Keyword.keys(opts) -- @options do
      [] ->
        :ok

      unknown ->
        raise ArgumentError,
              "unknown option(s) #{inspect(unknown)} in use OpenSentience.Tool; known: #{inspect(@options)}"
    end

    values = [
      name:
        Keyword.get(
          opts,
          :name,
          Module.get_attribute(env.module, :opensentience_tool_default_name)
        ),
      description: Keyword.get_lazy(opts, :description, fn -> moduledoc_summary(env.module) end),
      input_schema: Keyword.get(opts, :input_schema, %{"type" => "object"}),
      output_schema: Keyword.get(opts, :output_schema),
      permissions: Keyword.get(opts, :permissions, []),
      streaming?: Keyword.get(opts, :streaming, false),
      cancellable?: Keyword.get(opts, :cancellable, false),
      timeout_ms: Keyword.get(opts, :timeout_ms)
    ]

    case validate_values(values) do
      :ok -> values
      {:error, message} -> raise ArgumentError, "#{inspect(env.module)}: #{message}"
    end
  end

  defp moduledoc_summary(module) do
    case Module.get_attribute(module, :moduledoc) do
      {_line, doc} when is_binary(doc) ->
        doc |> String.split(~r/\n\s*\n/, parts: 2) |> hd() |> String.trim()

      _ ->
        ""
    end
  end

  @doc """
  Returns the `tools.register` entry of a tool module, or an error saying what
  is wrong with it.
  """
  @spec descriptor(module()) :: {:ok, map()} | {:error, String.t()}
  def descriptor(module) when is_atom(module) do
    with :ok <- check_module(module),
         values = Enum.map(@options_funs, fn fun -> {fun, apply(module, fun, [])} end),
         :ok <- validate_values(values) do
      v = Map.new(values)

      descriptor =
        %{
          name: v.name,
          description: v.description,
          input_schema: v.input_schema,
          permissions: v.permissions,
          streaming: v.streaming?,
          cancellable: v.cancellable?
        }
        |> put_present(:output_schema, v.output_schema)
        |> put_present(:timeout_ms, v.timeout_ms)

      {:ok, descriptor}
    else
      {:error, message} -> {:error, "#{inspect(module)}: #{message}"}
    end
  end

  defp check_module(module) do
    cond do
      not Code.ensure_loaded?(module) ->
        {:error, "module is not available"}

      not function_exported?(module, :__opensentience_tool__, 0) ->
        {:error, "module does not use OpenSentience.Tool"}

      true ->
        :ok
    end
  end

  defp validate_values(values) do
    Enum.find_value(values, :ok, fn {key, value} ->
      case validate(key, value) do
        :ok -> nil
        {:error, message} -> {:error, message}
      end
    end)
  end

  defp validate(:name, name) do
    if is_binary(name) and name =~ @name_regex,
      do: :ok,
      else:
        {:error, "tool name #{inspect(name)} must match #{inspect(Regex.source(@name_regex))}"}
  end

  defp validate(:description, d) when is_binary(d) and byte_size(d) <= 4096, do: :ok
  defp validate(:input_schema, s) when is_map(s), do: json_ok(:input_schema, s)
  defp validate(:output_schema, nil), do: :ok
  defp validate(:output_schema, s) when is_map(s), do: json_ok(:output_schema, s)

  defp validate(:permissions, perms) when is_list(perms) and length(perms) <= 64 do
    if Enum.all?(perms, &(permission?(&1) and byte_size(&1) <= 512)),
      do: :ok,
      else:
        {:error,
         "permissions must be strings like \"category:action[:target]\", got #{inspect(perms)}"}
  end

  defp validate(flag, value) when flag in [:streaming?, :cancellable?] and is_boolean(value),
    do: :ok

  defp validate(:timeout_ms, nil), do: :ok
  defp validate(:timeout_ms, t) when is_integer(t) and t in 1..2_147_483_647, do: :ok
  defp validate(key, value), do: {:error, "invalid #{key}: #{inspect(value)}"}

  defp json_ok(key, value) do
    case OpenSentience.JSON.encode(value) do
      {:ok, _} -> :ok
      {:error, _} -> {:error, "#{key} is not JSON-encodable"}
    end
  end

  @doc "True when `permission` has the shape `category:action[:target]`."
  @spec permission?(term()) :: boolean()
  def permission?(permission) when is_binary(permission),
    do: permission =~ ~r/^[a-z][a-z_]*:[a-z][a-z_]*(:.+)?$/

  def permission?(_), do: false

  defp put_present(map, _key, nil), do: map
  defp put_present(map, key, value), do: Map.put(map, key, value)
end
