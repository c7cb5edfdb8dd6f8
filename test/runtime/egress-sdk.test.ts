/**
 * The core's egress proxy (src/core/sandbox/egress-proxy.ts) with the Elixir
 * SDK's bridge (OpenSentience.Egress, OpenSentience.HTTP) in a real BEAM: the
 * agent side finds OPENSENTIENCE_EGRESS_SOCKET, bridges a loopback port to the
 * Unix socket and sends :httpc through it. Every destination is 127.0.0.1
 * (approved literally) or a refused name that is never resolved.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join, resolve } from "node:path";
import { type EgressAuditEvent, type EgressProxy, startEgressProxy } from "../../src/core/sandbox/egress-proxy.ts";
import { shortTempDir } from "../helpers/runtime-env.ts";

let dir: string;
let ebin: string;
let http: ReturnType<typeof Bun.serve>;
let echo: Server;
let echoPort: number;
let proxy: EgressProxy;
const audits: EgressAuditEvent[] = [];

async function run(cmd: string[], opts: { cwd?: string; env: Record<string, string> }): Promise<string> {
  const p = Bun.spawn(cmd, { ...opts, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}:\n${out}\n${err}`);
  return out;
}

const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: dir,
  LANG: "C.UTF-8",
  MIX_HOME: join(dir, "mix"),
  HEX_HOME: join(dir, "hex"),
  HEX_OFFLINE: "1",
});

beforeAll(async () => {
  dir = shortTempDir("osegr-");
  const sdk = join(dir, "sdk");
  cpSync(resolve(import.meta.dir, "../../sdk/elixir"), sdk, { recursive: true, filter: (src) => !/\/(_build|deps)(\/|$)/.test(src) });
  await run(["mix", "compile"], { cwd: sdk, env: { ...baseEnv(), MIX_ENV: "prod" } });
  ebin = join(sdk, "_build/prod/lib/opensentience_agent_sdk/ebin");

  http = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      return new Response(`${req.method} ${new URL(req.url).pathname} host=${req.headers.get("host")} body=${await req.text()}`);
    },
  });
  echo = createServer((s) => {
    s.on("error", () => {});
    s.pipe(s);
  });
  echoPort = await new Promise<number>((r) => echo.listen(0, "127.0.0.1", () => r((echo.address() as { port: number }).port)));
  proxy = await startEgressProxy({
    agentId: "com.example.net",
    socketPath: join(dir, "run", "egress.sock"),
    allow: [`network:egress:127.0.0.1:${http.port}`, `127.0.0.1:${echoPort}`],
    audit: (e) => audits.push(e),
  });
}, 180_000);

afterAll(async () => {
  await proxy?.close();
  http?.stop(true);
  echo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const script = (httpPort: number, echoPort: number): string => `
{:ok, _} = Application.ensure_all_started(:opensentience_agent_sdk)
"http://127.0.0.1:" <> port = OpenSentience.HTTP.proxy_url()
IO.puts("env=#{System.get_env("https_proxy") == OpenSentience.HTTP.proxy_url()}")

{:ok, r} = OpenSentience.HTTP.request(:post, "http://127.0.0.1:${httpPort}/submit", [{"content-type", "text/plain"}], "from the BEAM")
IO.puts("allowed=#{r.status} #{r.body}")

{:ok, d} = OpenSentience.HTTP.request(:get, "http://refused.invalid/")
IO.puts("refused_http=#{d.status}")

IO.puts("refused_https=#{match?({:error, _}, OpenSentience.HTTP.request(:get, "https://refused.invalid/"))}")

{:ok, s} = :gen_tcp.connect({127, 0, 0, 1}, String.to_integer(port), [:binary, active: false])
:ok = :gen_tcp.send(s, "CONNECT 127.0.0.1:${echoPort} HTTP/1.1\\r\\n\\r\\n")
{:ok, "HTTP/1.1 200 Connection established\\r\\n\\r\\n"} = :gen_tcp.recv(s, 0, 5_000)
:ok = :gen_tcp.send(s, "ping")
{:ok, echoed} = :gen_tcp.recv(s, 0, 5_000)
IO.puts("tunnel=#{echoed}")

direct = :gen_tcp.connect({127, 0, 0, 1}, ${httpPort}, [], 2_000)
IO.puts("direct=#{inspect(elem(direct, 0))}")
`;

function expectProxied(out: string): void {
  expect(out).toContain("env=true\n");
  expect(out).toContain(`allowed=200 POST /submit host=127.0.0.1:${http.port} body=from the BEAM\n`);
  expect(out).toContain("refused_http=403\n");
  expect(out).toContain("refused_https=true\n");
  expect(out).toContain("tunnel=ping\n");
  expect(audits).toContainEqual({ host: "127.0.0.1", port: Number(http.port), allowed: true });
  expect(audits).toContainEqual({ host: "127.0.0.1", port: echoPort, allowed: true });
  expect(audits).toContainEqual({ host: "refused.invalid", port: 80, allowed: false, reason: "refused.invalid:80 is not an approved egress target" });
  expect(audits).toContainEqual({ host: "refused.invalid", port: 443, allowed: false, reason: "refused.invalid:443 is not an approved egress target" });
}

test("an agent VM reaches approved hosts through the bridge and the core's proxy; others are refused and audited", async () => {
  const out = await run(["elixir", "-pa", ebin, "-e", script(Number(http.port), echoPort)], { env: { ...baseEnv(), OPENSENTIENCE_EGRESS_SOCKET: proxy.socketPath } });
  expectProxied(out);
  expect(out).toContain("direct=:ok\n"); // no sandbox here: the host's loopback is right there
}, 60_000);

// The same agent in an empty network namespace (bubblewrap, as the launcher runs it): only the
// bridge leads out; a direct connection to the host's loopback finds the sandbox's own, empty one.
const bwrapWorks = Bun.which("bwrap") !== null && Bun.spawnSync(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--", "true"]).exitCode === 0;
test.skipIf(!bwrapWorks)("inside bwrap --unshare-net the bridge is the only way out", async () => {
  audits.length = 0;
  const sandbox = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--bind", dir, dir, "--unshare-net", "--unshare-pid", "--die-with-parent", "--"];
  const out = await run([...sandbox, "elixir", "-pa", ebin, "-e", script(Number(http.port), echoPort)], { env: { ...baseEnv(), OPENSENTIENCE_EGRESS_SOCKET: proxy.socketPath } });
  expectProxied(out);
  expect(out).toContain("direct=:error\n");
}, 60_000);
