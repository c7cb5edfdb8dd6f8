/** A one-line banner for the result of an action (e.g. after a rescan). */
import { Icon } from "./icons.tsx";

export function Notice({ tone, message }: { tone: "success" | "danger" | "info"; message: string }) {
  return (
    <div class={`notice notice-${tone}`} role={tone === "danger" ? "alert" : "status"}>
      <Icon name={tone === "danger" ? "alert" : "refresh"} />
      <span safe>{message}</span>
    </div>
  );
}
