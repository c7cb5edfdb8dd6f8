defmodule OpenSentience.HTTP do
  @moduledoc """
  The SDK's documented HTTP client: Erlang's `:httpc`, through the core's
  egress proxy when the agent runs in a sandbox with approved hosts.

      {:ok, %{status: 200, headers: headers, body: body}} =
        OpenSentience.HTTP.request(:get, "https://api.example.com/v1/items",
          [{"accept", "application/json"}])

  ## How the network reaches an agent

  An agent whose approved permissions name hosts (`network:egress:api.example.com`)
  runs in its own network namespace with nothing but loopback. The core's
  launcher mounts the core's egress proxy (a Unix socket) into the sandbox and
  names it in `OPENSENTIENCE_EGRESS_SOCKET`. When that variable is set, the SDK
  starts a small bridge on `127.0.0.1:<port>` that pipes every connection to
  the socket, and before your application starts it:

    * sets `HTTP_PROXY`, `HTTPS_PROXY`, `http_proxy` and `https_proxy` to
      `proxy_url/0` (for libraries and programs that read them);
    * sets `:httpc`'s `proxy` and `https_proxy` options on its default profile.

  The proxy lets through only the approved hosts and ports; everything else
  is refused with `403` (and audited by the core). `https` goes through
  `CONNECT` (TLS stays end to end between the agent and the server); plain
  `http` is forwarded one request per connection.

  An agent approved `network:egress:*` runs on the host's network and gets no
  variable: this module then connects directly. So does a VM not started by a
  core (`iex -S mix`, `mix test`).
  """

  @methods [:get, :head, :post, :put, :patch, :delete, :options]
  @with_body [:post, :put, :patch, :delete]

  @type response :: %{status: pos_integer(), headers: [{String.t(), String.t()}], body: binary()}

  @doc """
  The egress proxy's URL inside the sandbox (`"http://127.0.0.1:<port>"`), or
  `nil` when the agent does not use one.
  """
  @spec proxy_url() :: String.t() | nil
  def proxy_url, do: :persistent_term.get(OpenSentience.Egress.Listener.url_key(), nil)

  @doc """
  Makes one HTTP request and returns the whole response.

  `method` is an atom or string (`get`, `head`, `post`, `put`, `patch`,
  `delete`, `options`); `url` an `http://` or `https://` URL; `headers` a
  list of `{name, value}` strings (a `content-type` header sets the body's
  type, default `application/octet-stream`); `body` iodata or `nil` (only
  for `post`, `put`, `patch`, `delete`).

  Options:

    * `:timeout` - for the whole request, ms (default 30 000);
    * `:connect_timeout` - ms (default 10 000);
    * `:follow_redirects` - default `true` (each hop is checked by the proxy);
    * `:ssl` - TLS options replacing the defaults (peer verification against
      the system's CA certificates, hostname check, SNI).

  Returns `{:ok, %{status: integer, headers: [{name, value}], body: binary}}`
  for any HTTP status, or `{:error, reason}` when there is no response: a host
  the proxy refuses makes `https` fail at `CONNECT` (an error) and plain
  `http` answer `403`.
  """
  @spec request(
          atom() | String.t(),
          String.t(),
          [{String.t(), String.t()}],
          iodata() | nil,
          keyword()
        ) ::
          {:ok, response()} | {:error, term()}
  def request(method, url, headers \\ [], body \\ nil, opts \\ []) do
    with {:ok, method} <- method(method),
         {:ok, uri} <- parse_url(url),
         :ok <- body_allowed(method, body),
         {:ok, ssl} <- ssl_options(uri, opts),
         {:ok, _} <- Application.ensure_all_started(:inets),
         :ok <- ensure_ssl(uri) do
      http_opts = [
        timeout: Keyword.get(opts, :timeout, 30_000),
        connect_timeout: Keyword.get(opts, :connect_timeout, 10_000),
        autoredirect: Keyword.get(opts, :follow_redirects, true),
        ssl: ssl
      ]

      method
      |> :httpc.request(build(method, url, headers, body), http_opts, body_format: :binary)
      |> response()
    end
  end

  defp method(m) when m in @methods, do: {:ok, m}

  defp method(m) when is_binary(m) do
    case Enum.find(@methods, &(Atom.to_string(&1) == String.downcase(m))) do
      nil -> {:error, {:unsupported_method, m}}
      atom -> {:ok, atom}
    end
  end

  defp method(m), do: {:error, {:unsupported_method, m}}

  defp parse_url(url) when is_binary(url) do
    case URI.parse(url) do
      %URI{scheme: scheme, host: host} = uri
      when scheme in ["http", "https"] and is_binary(host) and host != "" ->
        {:ok, uri}

      _ ->
        {:error, {:invalid_url, url}}
    end
  end

  defp parse_url(url), do: {:error, {:invalid_url, url}}

  defp body_allowed(method, body) when body != nil and method not in @with_body,
    do: {:error, {:body_not_allowed, method}}

  defp body_allowed(_method, _body), do: :ok

  defp ensure_ssl(%URI{scheme: "https"}) do
    case Application.ensure_all_started(:ssl) do
      {:ok, _} -> :ok
      {:error, reason} -> {:error, {:ssl_unavailable, reason}}
    end
  end

  defp ensure_ssl(_uri), do: :ok

  defp ssl_options(%URI{scheme: "https", host: host}, opts) do
    case Keyword.fetch(opts, :ssl) do
      {:ok, ssl} ->
        {:ok, ssl}

      :error ->
        try do
          {:ok,
           [
             verify: :verify_peer,
             cacerts: :public_key.cacerts_get(),
             server_name_indication: String.to_charlist(host),
             customize_hostname_check: [
               match_fun: :public_key.pkix_verify_hostname_match_fun(:https)
             ],
             depth: 10
           ]}
        rescue
          e -> {:error, {:no_ca_certificates, Exception.message(e)}}
        end
    end
  end

  defp ssl_options(_uri, opts), do: {:ok, Keyword.get(opts, :ssl, [])}

  defp build(method, url, headers, body) do
    {type, rest} = split_content_type(headers)
    url = String.to_charlist(url)
    headers = Enum.map(rest, fn {k, v} -> {to_charlist(k), to_charlist(v)} end)

    if method in @with_body do
      {url, headers, to_charlist(type || "application/octet-stream"),
       IO.iodata_to_binary(body || "")}
    else
      {url, headers}
    end
  end

  defp split_content_type(headers) do
    Enum.reduce(headers, {nil, []}, fn {k, v}, {type, rest} ->
      if String.downcase(to_string(k)) == "content-type",
        do: {to_string(v), rest},
        else: {type, rest ++ [{k, v}]}
    end)
  end

  defp response({:ok, {{_version, status, _reason}, headers, body}}) do
    headers = Enum.map(headers, fn {k, v} -> {List.to_string(k), List.to_string(v)} end)
    {:ok, %{status: status, headers: headers, body: body}}
  end

  defp response({:error, reason}), do: {:error, reason}
end
