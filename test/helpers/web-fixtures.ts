/** A small, realistic catalog for web tests, including hostile and invalid manifests. */
import { type HttpSession, loginOverHttp, type RunningDaemon, startWebDaemon, tempHome, writeAgent } from "./web-daemon.ts";

export const XSS_DESCRIPTION = `Reads <script>window.__xss = 1</script> and "><img src=x onerror="window.__xss=2"> safely.`;
export const XSS_NAME = `Evil <b>bold</b> "quoted" agent`;

export function seedAgents(roots: string): void {
  writeAgent(roots, "weather", {
    id: "com.example.weather",
    name: "Weather Reporter",
    version: "1.4.2",
    description: "Fetches forecasts for a city and answers questions like “do I need an umbrella tomorrow?”.",
    capabilities: ["forecast", "geo"],
    integration_points: ["slack", "chat"],
    keywords: ["weather", "forecast"],
    permissions: ["network:egress:api.weather.example", "env:read:WEATHER_API_KEY"],
    tool_summary: [
      { name: "forecast", description: "Forecast for a city and day" },
      { name: "current_conditions", description: "Current temperature, wind and rain" },
    ],
    docs_url: "https://docs.example.com/weather",
    publisher: { name: "Example Labs", url: "https://example.com" },
  });
  writeAgent(roots, "summarizer", {
    id: "com.example.summarizer",
    name: "Meeting Summarizer",
    version: "0.9.0",
    description: "Turns long transcripts into short action lists with owners and due dates.",
    capabilities: ["summarize"],
    integration_points: ["chat"],
    permissions: ["filesystem:read:~/Documents/meetings"],
    tool_summary: [{ name: "summarize", description: "Summarize a transcript" }],
  });
  writeAgent(roots, "git_helper", {
    id: "com.example.git_helper",
    name: "Git Helper",
    version: "2.0.0",
    description: "Explains diffs, drafts commit messages and reviews branches before you push.",
    capabilities: ["code", "review"],
    integration_points: ["cli"],
    permissions: ["process:spawn", "filesystem:read:~/Projects"],
    tool_summary: [{ name: "draft_commit_message", description: "Draft a commit message from the staged diff" }],
  });
  writeAgent(roots, "translator", {
    id: "com.example.translator",
    name: "Translator",
    version: "1.0.0",
    description: "Translates short texts between 40 languages, keeping formatting intact.",
    capabilities: ["translate"],
    integration_points: ["chat", "slack"],
    permissions: ["network:egress:translate.example.org"],
  });
  writeAgent(roots, "hostile", {
    id: "com.example.hostile",
    name: XSS_NAME,
    version: "6.6.6",
    description: XSS_DESCRIPTION,
    capabilities: ["evil"],
    keywords: ["<svg onload=alert(1)>"],
    tool_summary: [{ name: "pwn", description: `</code><script>window.__xss=3</script>` }],
  });
  writeAgent(roots, "broken", { id: "com.example.broken", name: "Broken Agent", version: "not-a-version", description: "Has an invalid version." });
}

/**
 * A daemon on a fresh home seeded with the fixture agents, and a logged-in
 * browser session on it. Pair with `stopSeededDaemon` in afterAll.
 */
export async function seededDaemon(): Promise<{ d: RunningDaemon; s: HttpSession }> {
  const home = tempHome();
  seedAgents(home.roots);
  const d = await startWebDaemon({ home });
  return { d, s: await loginOverHttp(d) };
}

export async function stopSeededDaemon(d: RunningDaemon | undefined): Promise<void> {
  await d?.stop();
  d?.home.cleanup();
}
