/** Stream toggles of the logs page (behaviour: the `logs` component in assets/logs.js). */
const STREAMS: Array<{ id: string; label: string; title: string }> = [
  { id: "stdout", label: "stdout", title: "The agent process's standard output" },
  { id: "stderr", label: "stderr", title: "The agent process's standard error" },
  { id: "agent", label: "agent", title: "Log messages the agent sent over the protocol" },
  { id: "core", label: "lifecycle", title: "What the core did: start, connect, exit, restart, health" },
];

export function LogStreamToggles() {
  return (
    <div class="log-streams" role="group" aria-label="Streams">
      <span class="field-label">Streams</span>
      <div class="log-stream-buttons">
        {STREAMS.map((s) => (
          <button type="button" class={`stream-toggle stream-${s.id}`} data-stream={s.id} aria-pressed="true" title={s.title} x-on:click="toggleStream">
            <span class="stream-dot" aria-hidden="true"></span>
            <span safe>{s.label}</span>
          </button>
        ))}
      </div>
    </div>
  );
}
