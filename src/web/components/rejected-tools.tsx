/**
 * The agent page's "Rejected tools" card (issue 17, finding 3): tools the
 * running agent offered that registration refused, each with the reason (most
 * often a permission its manifest never requested). Without it they vanish
 * silently: the agent runs, the tool is just missing. Names and reasons come
 * from the agent and are rendered escaped only.
 */
import type { RuntimeStatus } from "../../core/runtime/runtime-status.ts";

export function RejectedTools({ runtime }: { runtime: RuntimeStatus | null }) {
  const rejected = runtime?.rejectedTools ?? [];
  if (rejected.length === 0) return "";
  return (
    <section class="card card-danger" data-testid="rejected-tools">
      <h2 class="card-title">Rejected tools</h2>
      <div class="card-body">
        <p class="muted">Offered by the running agent but refused at registration; calls to them fail until the agent's manifest and code agree.</p>
        <ul class="tools">
          {rejected.map((r) => (
            <li>
              <code safe>{r.name}</code>
              <span safe>{r.reason}</span>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
