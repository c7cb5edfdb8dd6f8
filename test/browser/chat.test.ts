/**
 * The chat page in Chromium against the compiled daemon and the real Elixir
 * example agents (echo, invoker, assistant) installed from a local registry:
 * sessions (create, rename, delete), a streamed reply with the tool cards of
 * the agent's calls, cancel of a long turn and of a streaming tool call, the
 * schema-generated tool form (inline errors, nothing sent), hostile tool
 * output (escaped and redacted), two tabs on one session, and an agent that
 * stops mid-turn. Screenshots go to test-results/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Page } from "playwright-core";
import { launchBrowser, type LaunchedBrowser, pageErrors, screenshot } from "../helpers/browser.ts";
import { waitFor } from "../helpers/binary.ts";
import { ASSISTANT, ECHO, forbidDialogs, INVOKER, liveEnv, type LiveEnv, waitState } from "./live-fixture.ts";
import { histogram, parsePrometheus, sampleValue } from "../helpers/prometheus.ts";

setDefaultTimeout(120_000);

let env: LiveEnv;
let browser: LaunchedBrowser;
const dialogs: string[] = [];
const SECRET = "sk-abcdefghijklmnopqrstuvwxyz123456";

beforeAll(async () => {
  env = await liveEnv({ prefix: "os-chat-", publish: [ECHO, INVOKER, ASSISTANT], install: [ECHO, INVOKER, ASSISTANT], run: [ECHO, INVOKER, ASSISTANT] });
  browser = await launchBrowser();
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

async function openChat(path = "/chat", login = true): Promise<Page> {
  const page = await browser.newPage();
  forbidDialogs(page, dialogs);
  if (login) await page.goto(env.loginUrl);
  await page.goto(`${env.url}${path}`);
  // The live stream is up (the sidebar says so) before anything is sent.
  await page.locator(".live-indicator.live-live").waitFor();
  return page;
}

async function newChat(page: Page): Promise<string> {
  const before = await page.locator(".session-item").count();
  await page.locator('[data-action="new-session"]').click();
  await waitFor(async () => (await page.locator(".session-item").count()) === before + 1, { what: "new session in the list" });
  await expect(page.locator('[data-testid="chat-title"]').textContent()).resolves.toBe("New chat");
  return new URL(page.url()).searchParams.get("session")!;
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator('[data-tab="message"]').click();
  await page.locator('textarea[aria-label="Message"]').fill(text);
  await page.locator('textarea[aria-label="Message"]').press("Enter");
}

const lastReply = (page: Page) => page.locator(".msg-assistant").last();

async function auditCount(action: string): Promise<number> {
  const r = await env.api<{ events: unknown[] }>(`/api/v1/audit?action=${action}&limit=1000`);
  return r.body.events.length;
}

describe("talking to a chat agent", () => {
  test("create a session, watch the reply stream in and the agent's tool calls appear as cards", async () => {
    const page = await openChat();
    await expect(page.locator(".chat-empty").isVisible()).resolves.toBe(true);
    await screenshot(page, "chat-empty");
    const sessionId = await newChat(page);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    // A chat-capable running agent is preselected.
    await expect(page.locator('[data-testid="agent-select"]').inputValue()).resolves.toBe(ASSISTANT);

    // Streaming: "count to 6" sends one number every 200 ms; the bubble shows a partial reply first.
    await send(page, "count to 6");
    await page.locator(".msg-assistant.streaming .msg-body", { hasText: "1 2" }).waitFor();
    expect(await lastReply(page).locator(".msg-body").textContent()).not.toBe("1 2 3 4 5 6");
    await page.locator(".msg-assistant:not(.streaming) .msg-body", { hasText: "1 2 3 4 5 6" }).waitFor();
    // The first message named the chat.
    await expect(page.locator('[data-testid="chat-title"]').textContent()).resolves.toBe("count to 6");

    // A turn in which the assistant calls invoker/shout, which itself calls echo/echo: both are cards.
    await send(page, "shout hello world");
    const shout = page.locator(`.tool-card[data-tool="${INVOKER}/shout"]`);
    const echo = page.locator(`.tool-card[data-tool="${ECHO}/echo"]`);
    await shout.locator(".tool-status-ok").waitFor();
    await echo.locator(".tool-status-ok").waitFor();
    await expect(shout.locator(".tool-result .tool-json").textContent()).resolves.toContain('"HELLO WORLD"');
    // Each card names the agent that made the call: assistant → invoker/shout → echo/echo.
    await expect(shout.locator(".tool-kind").textContent()).resolves.toBe("Called by Assistant (example)");
    await expect(echo.locator(".tool-kind").textContent()).resolves.toBe("Called by Invoker (example)");
    await expect(shout.locator(".tool-duration").textContent()).resolves.toMatch(/\d+(\.\d)? m?s/);
    await page.locator(".msg-assistant:not(.streaming) .msg-body", { hasText: "Shouted: HELLO WORLD" }).waitFor();
    await expect(page.locator(".composer-status").isVisible()).resolves.toBe(false);
    await screenshot(page, "chat-conversation");
    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, "chat-conversation-dark");
    await page.emulateMedia({ colorScheme: "light" });

    const narrow = await browser.newPage("narrow");
    await narrow.goto(`${env.url}/chat?session=${sessionId}`);
    await narrow.locator(`.tool-card[data-tool="${INVOKER}/shout"] .tool-status-ok`).waitFor();
    await screenshot(narrow, "chat-narrow");
    expect(pageErrors(narrow)).toEqual([]);
    await narrow.close();

    // The turn's timeline in the audit view: every step of it, oldest first.
    const href = await page.locator(".turn").last().locator(".msg-user .timeline-link").getAttribute("href");
    expect(href).toMatch(/^\/audit\?correlation=[0-9a-f-]{36}$/);
    await page.goto(`${env.url}${href}`);
    await expect(page.locator(".timeline-note").isVisible()).resolves.toBe(true);
    const actions = await page.locator("table.audit-table tbody td[data-label=Action]").allTextContents();
    expect(actions).toEqual(["tool.call", "tool.call", "chat.turn"]);
    await screenshot(page, "audit-timeline");

    // Reloading shows the same conversation from storage.
    await page.goto(`${env.url}/chat?session=${sessionId}`);
    await expect(page.locator(`.tool-card[data-tool="${INVOKER}/shout"] .tool-status-ok`).count()).resolves.toBe(1);
    await expect(lastReply(page).locator(".msg-body").textContent()).resolves.toBe("Shouted: HELLO WORLD");
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  test("Cancel stops a long streaming turn end to end", async () => {
    const page = await openChat();
    await newChat(page);
    const started = Date.now();
    await send(page, "count to 200");
    await page.locator(".msg-assistant.streaming .msg-body", { hasText: "1 2 3" }).waitFor();
    await page.locator('[data-action="cancel"]').click();
    await lastReply(page).locator(".msg-note", { hasText: "Canceled" }).waitFor();
    expect(Date.now() - started).toBeLessThan(30_000);
    await expect(page.locator(".msg-assistant.streaming").count()).resolves.toBe(0);
    await expect(page.locator(".composer-status").isVisible()).resolves.toBe(false);
    const partial = (await lastReply(page).locator(".msg-body").textContent()) ?? "";
    expect(partial).not.toContain("200");
    // Audited as a canceled turn; the agent is fine and answers the next message.
    const turns = (await env.api<{ events: Array<{ outcome: string; details: { error?: string } }> }>("/api/v1/audit?action=chat.turn&limit=5")).body.events;
    expect(turns[0]).toMatchObject({ outcome: "error", details: { error: "canceled" } });
    await send(page, "echo still here");
    await page.locator(".msg-assistant:not(.streaming) .msg-body", { hasText: "Echo says: still here" }).waitFor();
    // Chat turns are metrics too (issue 15), by outcome: the canceled turn and the answered one.
    const scrape = await fetch(`${env.url}/metrics`, { headers: { authorization: `Bearer ${env.token}` } });
    const fams = parsePrometheus(await scrape.text());
    expect(sampleValue(fams, "opensentience_chat_turns_total", { agent: ASSISTANT, outcome: "canceled" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(fams, "opensentience_chat_turns_total", { agent: ASSISTANT, outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(histogram(fams, "opensentience_chat_turn_duration_seconds", { agent: ASSISTANT, outcome: "canceled" })?.count).toBeGreaterThanOrEqual(1);
    await screenshot(page, "chat-canceled");
    await page.close();
  });
});

describe("calling a tool directly", () => {
  test("a form generated from the input schema; a streaming call shows progress and can be canceled", async () => {
    const page = await openChat();
    await newChat(page);
    await page.locator('[data-tab="tool"]').click();
    await page.locator('[data-testid="tool-select"]').selectOption(`${ECHO}/slow_count`);
    // Integer fields from the schema, required one first, default filled in.
    await expect(page.locator(".tool-field").evaluateAll((els) => els.map((e) => e.getAttribute("data-name")))).resolves.toEqual(["n", "interval_ms"]);
    await expect(page.locator('[data-name="interval_ms"] input').inputValue()).resolves.toBe("100");
    await page.locator('[data-name="n"] input').fill("1000");
    await page.locator('[data-name="interval_ms"] input').fill("50");
    await page.locator('[data-action="call"]').click();
    const card = page.locator(`.tool-card[data-tool="${ECHO}/slow_count"]`).last();
    await card.locator(".tool-status-running").waitFor();
    await card.locator(".tool-progress-count", { hasText: /^([3-9]|\d\d+) updates$/ }).waitFor();
    await screenshot(page, "chat-tool-streaming");
    await card.locator('[data-action="cancel-card"]').click();
    await card.locator(".tool-status-canceled").waitFor();
    await expect(card.locator(".tool-error code").textContent()).resolves.toBe("canceled");
    await waitFor(async () => {
      const ev = (await env.api<{ events: Array<{ details: { tool?: string; error?: string } }> }>("/api/v1/audit?action=tool.call&limit=20")).body.events;
      return ev.some((e) => e.details.tool === `${ECHO}/slow_count` && e.details.error === "canceled");
    }, { what: "canceled slow_count in the audit log" });
    await page.close();
  });

  test("input failing the schema is shown inline and nothing is sent (no request, no audit event)", async () => {
    const page = await openChat();
    const sessionId = await newChat(page);
    const posts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && r.url().includes("/tool-calls")) posts.push(r.url());
    });
    const before = await auditCount("tool.call");
    await page.locator('[data-tab="tool"]').click();
    await page.locator('[data-testid="tool-select"]').selectOption(`${ECHO}/add`);
    // Number fields are number inputs; text the browser cannot parse as a number is still explained, not sent.
    await expect(page.locator('[data-name="a"] input').getAttribute("type")).resolves.toBe("number");
    await page.locator('[data-name="a"] input').focus();
    await page.keyboard.type("1e");
    await page.locator('[data-action="call"]').click();
    await expect(page.locator('[data-name="a"] .field-error').textContent()).resolves.toBe("a must be a number");
    await expect(page.locator('[data-name="b"] .field-error').textContent()).resolves.toBe("b is required");
    await expect(page.locator('[data-testid="tool-error"]').textContent()).resolves.toContain("nothing was sent");
    await screenshot(page, "chat-tool-form-errors");
    expect(posts).toEqual([]);
    await expect(page.locator(".tool-card").count()).resolves.toBe(0);
    expect(await auditCount("tool.call")).toBe(before);

    // Fixed input goes through.
    await page.locator('[data-name="a"] input').fill("2");
    await page.locator('[data-name="b"] input').fill("3.5");
    await page.locator('[data-action="call"]').click();
    await page.locator(`.tool-card[data-tool="${ECHO}/add"] .tool-status-ok`).waitFor();
    await expect(page.locator(`.tool-card[data-tool="${ECHO}/add"] .tool-result .tool-json`).textContent()).resolves.toContain('"sum":5.5');

    // The server checks the schema too, before anything reaches the router (nothing audited).
    const mid = await auditCount("tool.call");
    const r = await env.api<{ error: { code: string; message: string } }>(`/api/v1/chat/sessions/${sessionId}/tool-calls`, { body: { tool: `${ECHO}/add`, arguments: { a: "x", b: 1 }, wait: false } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("invalid_argument");
    expect(r.body.error.message).toContain("argument 'a' must be number"); // in words since 5696a03
    expect(await auditCount("tool.call")).toBe(mid);
    await page.close();
  });

  test("a result with <script> and a secret is shown escaped and redacted", async () => {
    const page = await openChat();
    const sessionId = await newChat(page);
    await page.locator('[data-tab="tool"]').click();
    await page.locator('[data-testid="tool-select"]').selectOption(`${ECHO}/echo`);
    const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)> api_key=${SECRET}`;
    await page.locator('[data-name="text"] textarea').fill(hostile);
    await page.locator('[data-action="call"]').click();
    const card = page.locator(`.tool-card[data-tool="${ECHO}/echo"]`);
    await card.locator(".tool-status-ok").waitFor();
    const result = (await card.locator(".tool-result .tool-json").textContent()) ?? "";
    expect(result).toContain("<script>alert(1)</script><img src=x onerror=alert(2)>");
    expect(result).toContain("api_key=[REDACTED]");
    expect(result).not.toContain(SECRET);
    const check = async () => {
      expect(await page.locator("main script, main img").count()).toBe(0);
      expect(await page.content()).not.toContain(SECRET);
    };
    await check();
    // The same after a reload (the stored card comes from the server).
    await page.goto(`${env.url}/chat?session=${sessionId}`);
    await page.locator(`.tool-card[data-tool="${ECHO}/echo"] .tool-status-ok`).waitFor();
    expect(await page.locator(`.tool-card[data-tool="${ECHO}/echo"] .tool-result .tool-json`).textContent()).toContain("api_key=[REDACTED]");
    await check();
    const stored = await env.api<{ messages: Array<{ text: string; data: unknown }> }>(`/api/v1/chat/sessions/${sessionId}`);
    expect(JSON.stringify(stored.body)).not.toContain(SECRET);
    expect(dialogs).toEqual([]);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });
});

describe("sessions", () => {
  test("two tabs on one session stay consistent; rename and delete (no browser dialogs)", async () => {
    const one = await openChat();
    const sessionId = await newChat(one);
    // A second tab of the same browser session (no new login).
    const two = await openChat(`/chat?session=${sessionId}`, false);
    await expect(two.locator('[data-testid="chat-title"]').textContent()).resolves.toBe("New chat");

    await send(one, "echo from tab one");
    for (const p of [one, two]) {
      await p.locator(".msg-user .msg-body", { hasText: "echo from tab one" }).waitFor();
      await p.locator(".msg-assistant:not(.streaming) .msg-body", { hasText: "Echo says: from tab one" }).waitFor();
      await p.locator(`.tool-card[data-tool="${ECHO}/echo"] .tool-status-ok`).waitFor();
    }
    await send(two, "echo and back");
    await one.locator(".msg-assistant:not(.streaming) .msg-body", { hasText: "Echo says: and back" }).waitFor();
    await expect(one.locator(".msg-user").count()).resolves.toBe(2);
    await expect(two.locator(".msg-user").count()).resolves.toBe(2);

    // Rename in one tab, seen in the other.
    await two.locator('[data-action="rename"]').click();
    await two.locator('input[aria-label="Chat title"]').fill("Renamed <b>chat</b>");
    await two.locator('input[aria-label="Chat title"]').press("Enter");
    await one.locator('[data-testid="chat-title"]', { hasText: "Renamed <b>chat</b>" }).waitFor();
    await expect(one.locator(".session-item.active .session-title").textContent()).resolves.toBe("Renamed <b>chat</b>");

    // A fresh login in a third tab replaces the cookie: tab one's token is stale, and it recovers on its own.
    const three = await openChat("/agents");
    await send(one, "echo after a new login");
    await one.locator(".msg-assistant:not(.streaming) .msg-body", { hasText: "Echo says: after a new login" }).waitFor();
    await expect(one.locator('[data-testid="send-error"]').isVisible()).resolves.toBe(false);
    await three.close();

    // Delete asks in a dialog first (cancel keeps it), then removes it in both tabs.
    await one.locator('[data-action="delete-session"]').click();
    await expect(one.locator('.dialog-backdrop:not([hidden]) [role="alertdialog"]').isVisible()).resolves.toBe(true);
    await screenshot(one, "chat-delete-dialog");
    await one.locator(".dialog-backdrop:not([hidden]) button", { hasText: "Cancel" }).click();
    await expect(one.locator(`[data-session="${sessionId}"]`).count()).resolves.toBe(1);
    await one.locator('[data-action="delete-session"]').click();
    await one.locator('[data-action="confirm-delete"]').click();
    await waitFor(async () => (await one.locator(`[data-session="${sessionId}"]`).count()) === 0, { what: "session gone in tab one" });
    await waitFor(async () => (await two.locator(`[data-session="${sessionId}"]`).count()) === 0, { what: "session gone in tab two" });
    expect((await env.api(`/api/v1/chat/sessions/${sessionId}`)).status).toBe(404);
    expect(dialogs).toEqual([]);
    // The one refused request is the stale-token POST that was then retried.
    expect(pageErrors(one).filter((e) => !e.includes("status of 403"))).toEqual([]);
    expect(pageErrors(two)).toEqual([]);
    await one.close();
    await two.close();
  });

  test("an agent that stops mid-turn: the turn ends with a clear error, no endless spinner", async () => {
    const page = await openChat();
    await newChat(page);
    await send(page, "count to 300");
    await page.locator(".msg-assistant.streaming .msg-body", { hasText: "1 2" }).waitFor();
    const stop = await env.api<{ state: string }>(`/api/v1/agents/${ASSISTANT}/stop`, { body: {} });
    expect(stop.body.state).toBe("stopped");
    const err = lastReply(page).locator(".msg-error-text");
    await err.waitFor();
    expect(await err.textContent()).toMatch(/The turn failed: agent_unavailable: .*(went away|not running)/);
    await expect(page.locator(".msg-assistant.streaming").count()).resolves.toBe(0);
    await expect(page.locator(".composer-status").isVisible()).resolves.toBe(false);
    // The composer says why it cannot send now.
    await page.locator('[data-testid="agent-note"]', { hasText: "is not running" }).waitFor();
    await expect(page.locator('[data-action="send"]').isDisabled()).resolves.toBe(true);
    await screenshot(page, "chat-agent-stopped");
    await env.api(`/api/v1/agents/${ASSISTANT}/run`, { body: {} });
    await waitState(env, ASSISTANT, "running");
    await page.locator('[data-testid="agent-note"]').waitFor({ state: "hidden" });
    await page.close();
  });
});
