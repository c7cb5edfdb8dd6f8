/**
 * Pages for features that arrive in later issues (registries, chat, logs).
 * They say so plainly and offer nothing that pretends to work.
 */
import type { Children } from "@kitajs/html";
import { EmptyState, Layout, type NavKey, PageHeader } from "../components/layout.tsx";
import type { IconName } from "../components/icons.tsx";

export interface Placeholder {
  key: NavKey;
  title: string;
  subtitle: string;
  icon: IconName;
  emptyTitle: string;
  body: Children;
}

export const PLACEHOLDERS: Record<"registries" | "chat" | "logs", Placeholder> = {
  registries: {
    key: "registries",
    title: "Registries",
    subtitle: "Git repositories that list agents you can install.",
    icon: "registries",
    emptyTitle: "Registry management is coming",
    body: (
      <p>
        Registries from <code>config.json</code> will be listed and synced here. Until then, agents found in local scan roots appear under <a href="/agents">Agents</a>.
      </p>
    ),
  },
  chat: {
    key: "chat",
    title: "Chat",
    subtitle: "Talk to your enabled agents and watch their tool calls.",
    icon: "chat",
    emptyTitle: "Chat is not available yet",
    body: <p>Once agents can be installed and run, you will be able to chat with them here.</p>,
  },
  logs: {
    key: "logs",
    title: "Logs",
    subtitle: "Live output of running agents and the daemon.",
    icon: "logs",
    emptyTitle: "No agent is running",
    body: (
      <p>
        Agent logs will stream here when the runtime starts agents. Meanwhile, the <a href="/audit">audit log</a> records every privileged action.
      </p>
    ),
  },
};

export function PlaceholderPage({ p, csrf }: { p: Placeholder; csrf: string }) {
  return (
    <Layout title={p.title} active={p.key} csrf={csrf}>
      <PageHeader title={p.title} subtitle={p.subtitle} />
      <EmptyState icon={p.icon} title={p.emptyTitle}>
        {p.body}
      </EmptyState>
    </Layout>
  );
}
