/**
 * The build sandbox through the COMPILED binary, with a hostile agent in a real
 * file:// git repository: its mix.exs (evaluated by `mix deps.get` and `mix
 * compile`) and a module body (evaluated only by `mix compile`) try to write
 * into the user's home, read the admin token and the catalog, and reach a TCP
 * port on the host. The build must succeed (the hostile code swallows its
 * errors) with none of that having worked: no file in HOME, no token in the
 * build log, no connection during compile. Then the policy without bubblewrap:
 * `auto` builds with a warning, `required` refuses.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { agentRepo, binaryPath, cleanupTemp, registryEntry, registryRepo, runBin, type TestHome, tempDir, testHome } from "../helpers/git-fixtures.ts";

beforeAll(async () => void (await binaryPath()));
afterAll(cleanupTemp);

const hasBwrap = Bun.which("bwrap") !== null;

/** Counts connections by the label each client sends first. */
async function listener(): Promise<{ server: Server; port: number; labels: string[] }> {
  const labels: string[] = [];
  const server = createServer((s) => s.once("data", (d) => labels.push(d.toString().trim())).on("error", () => {}));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as { port: number }).port, labels };
}

/** Elixir that tries everything and prints what happened (never raises). */
const probe = (phase: string, h: TestHome, port: number) => `
    home_write = File.write(${JSON.stringify(join(h.env.HOME!, `pwned-${phase}`))}, "x")
    tilde_write = File.write(Path.expand("~/pwned-tilde-${phase}"), "x")
    token =
      case File.read(${JSON.stringify(join(h.home, "admin.token"))}) do
        {:ok, t} -> "stolen:" <> (t |> String.trim() |> String.graphemes() |> Enum.join("-"))
        other -> "unread:" <> inspect(other)
      end
    catalog = File.exists?(${JSON.stringify(join(h.home, "catalog.db"))})
    net =
      case :gen_tcp.connect({127, 0, 0, 1}, ${port}, [:binary], 2000) do
        {:ok, s} -> :gen_tcp.send(s, "${phase}\\n"); :gen_tcp.close(s); "connected"
        other -> inspect(other)
      end
    IO.puts("HOSTILE ${phase} home_write=#{inspect(home_write)} tilde_write=#{inspect(tilde_write)} admin_file=#{token} catalog=#{catalog} net=#{net}")
`;

describe.skipIf(!hasBwrap)("hostile build in the build sandbox", () => {
  test("mix.exs and compile-time code cannot write HOME, read admin.token or the catalog, or reach the host during compile", async () => {
    const root = tempDir();
    const h = testHome();
    // The daemon's secrets exist where a hostile build would look for them.
    expect((await runBin(["token", "--json"], h.env)).code).toBe(0);
    const token = readFileSync(join(h.home, "admin.token"), "utf8").trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    const net = await listener();
    const agent = agentRepo(
      root,
      { id: "com.example.hostilebuild" },
      {
        "mix.exs": `${probe("mixexs", h, net.port).replace(/^ {4}/gm, "")}
defmodule HostileBuild.MixProject do
  use Mix.Project
  def project, do: [app: :hostile_build, version: "0.1.0", elixir: "~> 1.14", deps: []]
end
`,
        "lib/probe.ex": `defmodule HostileBuild.Probe do
  # A module body runs at compile time only.
  ${probe("compile", h, net.port).trim()}
  def ok, do: :ok
end
`,
      },
    );
    const reg = registryRepo(root, { "com.example.hostilebuild.json": registryEntry(agent) });
    const env = { ...h.env, OPENSENTIENCE_SANDBOX: "required" };
    expect((await runBin(["registry", "add", "fx", reg.url], env)).code).toBe(0);
    expect((await runBin(["registry", "sync", "fx"], env)).code).toBe(0);
    const inst = await runBin(["agents", "install", "com.example.hostilebuild", "--yes", "--json"], env);
    net.server.close();
    expect(inst.stderr).toBe("");
    expect(inst.code).toBe(0);
    expect(inst.json.buildSandbox).toEqual({ sandboxed: true, warning: null });

    const log = readFileSync(join(h.home, "agents/com.example.hostilebuild/build.log"), "utf8");
    // The hostile code ran in both steps …
    expect(log).toContain("# sandbox: bubblewrap");
    expect(log).toMatch(/HOSTILE mixexs .*admin_file=unread:\{:error, :enoent\} catalog=false/);
    expect(log).toMatch(/HOSTILE compile .*admin_file=unread:\{:error, :enoent\} catalog=false net=\{:error, :econnrefused\}/);
    // … and nothing it tried reached the host.
    expect(log).not.toContain("stolen:");
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.split("").join("-"));
    expect(readdirSync(h.env.HOME!).filter((f) => f.startsWith("pwned"))).toEqual([]);
    expect(existsSync(join(h.home, "home")) ? readdirSync(join(h.home, "home")).filter((f) => f.startsWith("pwned")) : []).toEqual([]);
    // deps.get may use the network (git dependencies); compile has none at all.
    expect(net.labels).not.toContain("compile");
    // The built agent is there: only its own directory was writable, and it was.
    expect(existsSync(join(h.home, "agents/com.example.hostilebuild/src/_build/prod/lib/hostile_build/ebin/Elixir.HostileBuild.Probe.beam"))).toBe(true);
    const audit = await runBin(["audit", "--action", "agent.build", "--json"], env);
    expect(JSON.stringify(audit.json)).toContain('"sandboxed":true');
  }, 120_000);
});

describe("build sandbox policy without bubblewrap", () => {
  /** A PATH with every program of /usr/bin except bwrap. */
  function pathWithoutBwrap(): string {
    const bin = join(tempDir(), "bin");
    mkdirSync(bin);
    for (const f of readdirSync("/usr/bin")) if (f !== "bwrap") symlinkSync(join("/usr/bin", f), join(bin, f));
    return bin;
  }

  test("auto: builds unsandboxed, says so in the result and the log; required: refuses before mix runs", async () => {
    const root = tempDir();
    const agent = agentRepo(root, { id: "com.example.nobwrap" });
    const reg = registryRepo(root, { "com.example.nobwrap.json": registryEntry(agent) });
    const h = testHome();
    const PATH = pathWithoutBwrap();
    const env = (policy: string) => ({ ...h.env, PATH, OPENSENTIENCE_SANDBOX: policy });
    expect((await runBin(["registry", "add", "fx", reg.url], env("auto"))).code).toBe(0);
    expect((await runBin(["registry", "sync", "fx"], env("auto"))).code).toBe(0);

    const required = await runBin(["agents", "install", "com.example.nobwrap", "--yes", "--json"], env("required"));
    expect(required.code).toBe(1);
    expect(required.stderr).toContain("requires the sandbox, but bwrap is not installed");
    expect(existsSync(join(h.home, "agents/com.example.nobwrap/src"))).toBe(false);

    const auto = await runBin(["agents", "install", "com.example.nobwrap", "--yes"], env("auto"));
    expect(auto.code).toBe(0);
    expect(auto.stdout).toContain("WARNING:   building com.example.nobwrap WITHOUT the sandbox");
    const log = readFileSync(join(h.home, "agents/com.example.nobwrap/build.log"), "utf8");
    expect(log).toContain("# WARNING: building com.example.nobwrap WITHOUT the sandbox (bwrap is not installed");
    expect(log).toContain("Generated hello_agent app");
  }, 120_000);
});
