/**
 * One-time launch tokens. Each launch of an agent gets a fresh random token
 * bound to its agent id; `consume` accepts it once, before it expires, for that
 * agent only. Only a SHA-256 of the token is kept in memory.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../clock.ts";

interface Entry {
  agentId: string;
  launchId: number;
  digest: Buffer;
  expiresAt: number;
}

export type ConsumeResult = { ok: true; launchId: number } | { ok: false; reason: string };

const digest = (token: string) => createHash("sha256").update(token, "utf8").digest();

export class LaunchTokens {
  private readonly byAgent = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** Issues a token for a launch; any older unused token of the agent is revoked. */
  issue(agentId: string, launchId: number): string {
    const token = randomBytes(32).toString("base64url");
    this.byAgent.set(agentId, { agentId, launchId, digest: digest(token), expiresAt: this.clock.now() + this.ttlMs });
    return token;
  }

  revoke(agentId: string): void {
    this.byAgent.delete(agentId);
  }

  consume(agentId: string, token: string): ConsumeResult {
    const e = this.byAgent.get(agentId);
    // Compare digests (equal length) in constant time even when there is no entry.
    const presented = digest(token);
    const expected = e?.digest ?? digest(`\0no-token\0${agentId}`);
    const match = timingSafeEqual(presented, expected);
    if (!e || !match) return { ok: false, reason: "token not valid for this agent" };
    this.byAgent.delete(agentId);
    if (this.clock.now() > e.expiresAt) return { ok: false, reason: "token expired" };
    return { ok: true, launchId: e.launchId };
  }
}
