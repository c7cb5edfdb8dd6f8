/**
 * Page chrome: head (assets, CSRF meta), sidebar navigation, main column.
 * Every dynamic string below is escaped (`safe`, or an attribute value).
 */
import type { Children } from "@kitajs/html";
import { VERSION } from "../../version.ts";
import { assetUrl } from "../assets.ts";
import { Icon, type IconName } from "./icons.tsx";
import { auditChainProblem } from "../../core/audit/start-check.ts";
import { Notice } from "./notice.tsx";

/** Shown on every page while the daemon's start check found the audit chain broken. */
function auditChainBanner() {
  const p = auditChainProblem();
  return p ? <div data-audit-chain-broken><Notice tone="danger" message={`Audit log tampered with: ${p.message}. Run: opensentience audit verify`} /></div> : "";
}

export type NavKey = "agents" | "registries" | "chat" | "audit" | "logs" | "clients";

const NAV: Array<{ key: NavKey; href: string; label: string; icon: IconName; soon?: boolean }> = [
  { key: "agents", href: "/agents", label: "Agents", icon: "agents" },
  { key: "registries", href: "/registries", label: "Registries", icon: "registries" },
  { key: "chat", href: "/chat", label: "Chat", icon: "chat" },
  { key: "audit", href: "/audit", label: "Audit log", icon: "audit" },
  { key: "logs", href: "/logs", label: "Logs", icon: "logs" },
  { key: "clients", href: "/clients", label: "MCP clients", icon: "key" },
];

export interface DocumentProps {
  title: string;
  /** Present on pages of a logged-in session: forms and fetch calls echo it back. */
  csrf?: string | null;
  bodyClass?: string;
  children?: Children;
}

/** The bare HTML document; `Layout` adds the app shell. */
export function Document({ title, csrf, bodyClass, children }: DocumentProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* The Referrer-Policy header is no-referrer; same-origin here keeps the Origin header on
            our own form POSTs (browsers send "Origin: null" under no-referrer) while still
            sending nothing to other origins. */}
        <meta name="referrer" content="same-origin" />
        {csrf ? <meta name="csrf-token" content={csrf} /> : ""}
        <title safe>{`${title} · OpenSentience`}</title>
        <link rel="icon" type="image/svg+xml" href={assetUrl("favicon.svg")} />
        <link rel="stylesheet" href={assetUrl("app.css")} />
        <link rel="stylesheet" href={assetUrl("chat.css")} />
        <script src={assetUrl("app.js")} defer></script>
        <script src={assetUrl("install.js")} defer></script>
        <script src={assetUrl("live.js")} defer></script>
        <script src={assetUrl("chat-form.js")} defer></script>
        <script src={assetUrl("chat-transcript.js")} defer></script>
        <script src={assetUrl("chat-composer.js")} defer></script>
        <script src={assetUrl("chat.js")} defer></script>
        <script src={assetUrl("logs.js")} defer></script>
        <script src={assetUrl("tool-stats.js")} defer></script>
        <script src={assetUrl("alpine-csp.js")} defer></script>
      </head>
      <body class={bodyClass}>{children}</body>
    </html>
  );
}

export interface LayoutProps {
  title: string;
  active?: NavKey;
  csrf: string;
  children?: Children;
}

export function Layout({ title, active, csrf, children }: LayoutProps) {
  return (
    <Document title={title} csrf={csrf}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <div class="shell" x-data="shell" x-bind:class="shellClass">
        <header class="topbar">
          <a class="brand" href="/agents">
            <span class="brand-mark" aria-hidden="true"></span>
            <span>OpenSentience</span>
          </a>
          <button type="button" class="icon-button menu-button" aria-label="Toggle navigation" x-on:click="toggle">
            <Icon name="menu" />
          </button>
        </header>
        <aside class="sidebar">
          <a class="brand sidebar-brand" href="/agents">
            <span class="brand-mark" aria-hidden="true"></span>
            <span>OpenSentience</span>
          </a>
          <nav class="nav" aria-label="Main">
            {NAV.map((n) => (
              <a class={n.key === active ? "nav-item active" : "nav-item"} href={n.href} aria-current={n.key === active ? "page" : undefined}>
                <Icon name={n.icon} />
                <span safe>{n.label}</span>
                {n.soon ? <span class="nav-soon">soon</span> : ""}
              </a>
            ))}
          </nav>
          <div class="sidebar-foot">
            <div class="live-indicator" data-live-indicator hidden role="status" aria-live="polite">
              <span class="live-dot" aria-hidden="true"></span>
              <span data-live-label>Live</span>
              <a data-live-login href="/login" hidden>
                Log in again
              </a>
            </div>
            <form method="post" action="/logout">
              <input type="hidden" name="_csrf" value={csrf} />
              <button type="submit" class="nav-item nav-button">
                <Icon name="logout" />
                <span>Log out</span>
              </button>
            </form>
            <p class="version" safe>{`OpenSentience Core v${VERSION}`}</p>
          </div>
        </aside>
        <main class="main" id="main" tabindex="-1">
          {auditChainBanner()}
          {children}
        </main>
      </div>
    </Document>
  );
}

/** Title row of a page, with optional actions on the right. */
export function PageHeader({ title, subtitle, children }: { title: string; subtitle?: string; children?: Children }) {
  return (
    <div class="page-header">
      <div class="page-heading">
        <h1 safe>{title}</h1>
        {subtitle ? <p class="page-subtitle" safe>{subtitle}</p> : ""}
      </div>
      <div class="page-actions">{children}</div>
    </div>
  );
}

export function EmptyState({ icon = "empty", title, children }: { icon?: IconName; title: string; children?: Children }) {
  return (
    <div class="empty">
      <div class="empty-icon">
        <Icon name={icon} size={28} />
      </div>
      <h2 safe>{title}</h2>
      <div class="empty-body">{children}</div>
    </div>
  );
}
