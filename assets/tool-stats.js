// The agent page's "Tool calls" card (src/web/components/tool-stats.tsx) stays
// live: whenever the agent's status arrives over the event stream (the daemon
// publishes it at most once a second while calls finish, see
// src/core/metrics/metrics.ts), the card is fetched again from
// GET /agents/:id/tool-stats and swapped in. The fragment is rendered and
// escaped by the server; DOMParser runs no scripts. One fetch at a time.
(() => {
  function attach(box) {
    const agentId = box.getAttribute("data-tool-stats") || "";
    let busy = false;
    let again = false;
    async function refresh() {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        const res = await fetch(`/agents/${encodeURIComponent(agentId)}/tool-stats`, { credentials: "same-origin", cache: "no-store" });
        if (!res.ok) return;
        const doc = new DOMParser().parseFromString(await res.text(), "text/html");
        const fresh = doc.querySelector("[data-tool-stats]");
        if (fresh) {
          box.replaceChildren(...Array.from(fresh.childNodes, (n) => document.importNode(n, true)));
          box.setAttribute("data-refreshed", String(Date.now()));
        }
      } catch {
        // offline or daemon restarting: the next status event tries again
      } finally {
        busy = false;
        if (again) {
          again = false;
          void refresh();
        }
      }
    }
    window.osLive.on("agent", (a) => {
      if (a && a.agentId === agentId) void refresh();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.osLive) return;
    for (const box of document.querySelectorAll("[data-tool-stats]")) attach(box);
  });
})();
