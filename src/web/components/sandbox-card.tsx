/**
 * How an agent is confined, on its page: sandboxed or not (loudly, when not:
 * then none of its filesystem, network or process permissions is enforced),
 * its network, whether it may start programs, and every mount of its view.
 */
import type { SandboxView } from "../../core/sandbox/launcher.ts";
import type { LimitsView } from "../../core/sandbox/limits.ts";

const NETWORK: Record<string, string> = { none: "None (loopback only)", host: "The host network (network:egress:*)", proxy: "Only approved hosts, through the egress proxy" };

const how = (m: string | null) => (m ? `enforced (${m})` : "not enforced here");

/** Resource limits, each with how it is enforced on this machine. */
function LimitsList({ limits }: { limits: LimitsView | null }) {
  if (!limits) return "";
  const rows: Array<[string, string]> = [
    ["Memory", `${limits.memoryMb} MB, ${how(limits.enforced.memory)}`],
    ["CPU", `${limits.cpuPercent}% of one core, ${how(limits.enforced.cpu)}`],
    ["Processes", `${limits.maxProcesses} tasks, ${how(limits.enforced.processes)}`],
    ["Open files", `${limits.maxOpenFiles}, ${how(limits.enforced.openFiles)}`],
  ];
  return (
    <div data-testid="sandbox-limits">
      <dl class="kv">
        {rows.map(([k, v]) => (
          <div class="kv-row">
            <dt safe>{k}</dt>
            <dd safe>{v}</dd>
          </div>
        ))}
      </dl>
      {limits.notes.length > 0 ? (
        <ul class="muted">
          {limits.notes.map((n) => (
            <li safe>{n}</li>
          ))}
        </ul>
      ) : (
        ""
      )}
    </div>
  );
}

export function SandboxCard({ view }: { view: SandboxView | null }) {
  if (!view) return "";
  if (!view.sandboxed || !view.plan) {
    return (
      <section class="card card-danger" data-testid="sandbox-card">
        <h2 class="card-title">Not sandboxed</h2>
        <div class="card-body">
          <p data-testid="sandbox-state">
            <strong>This agent runs with your user's full access.</strong> Its filesystem, network and process permissions are not enforced.
          </p>
          <p class="muted" safe>{`Policy ${view.policy}: ${view.reason ?? ""}`}</p>
          <LimitsList limits={view.limits} />
        </div>
      </section>
    );
  }
  const p = view.plan;
  return (
    <section class="card" data-testid="sandbox-card">
      <h2 class="card-title">Sandbox</h2>
      <div class="card-body">
        <dl class="kv">
          <div class="kv-row">
            <dt>Enforced</dt>
            <dd data-testid="sandbox-state" safe>{`Yes (policy ${view.policy})`}</dd>
          </div>
          <div class="kv-row">
            <dt>Network</dt>
            <dd safe>{p.network.mode === "proxy" ? `${NETWORK.proxy}: ${p.network.allow.join(", ")}` : NETWORK[p.network.mode]}</dd>
          </div>
          <div class="kv-row">
            <dt>Programs</dt>
            <dd>{p.spawn ? "May start programs (process:spawn)" : "Only the Erlang runtime may execute"}</dd>
          </div>
        </dl>
        <LimitsList limits={view.limits} />
        {p.refused.length > 0 ? (
          <ul class="problems">
            {p.refused.map((r) => (
              <li>
                <code safe>{r.permission}</code> <span safe>{`not granted: ${r.reason}`}</span>
              </li>
            ))}
          </ul>
        ) : (
          ""
        )}
        <details>
          <summary safe>{`What it can see (${p.mounts.length} mounts)`}</summary>
          <table class="table compact">
            <tbody>
              {p.mounts.map((m) => (
                <tr>
                  <td class="mono">{m.kind}</td>
                  <td class="mono break" safe>{m.target}</td>
                  <td class="muted" safe>{m.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </div>
    </section>
  );
}
