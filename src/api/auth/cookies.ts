/**
 * Cookie names and attributes. Cookies are scoped by host, not port, so the
 * port is part of the name: two daemons on one machine never clobber each
 * other's sessions. No `Secure` flag: the UI is plain http on loopback.
 */
import { createHmac } from "node:crypto";
import { tokensEqual } from "./admin-token.ts";

export const sessionCookieName = (port: number) => `os_session_${port}`;
export const loginCookieName = (port: number) => `os_login_${port}`;

/** Reads one cookie from a Cookie header; malformed pairs are ignored. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setCookie(name: string, value: string, maxAgeS: number): string {
  return `${name}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeS))}`;
}

export function clearCookie(name: string): string {
  return setCookie(name, "", 0);
}

/**
 * The login form has no session yet, so its CSRF value is bound to a
 * pre-login cookie instead: HMAC(per-start secret, cookie). A cross-site page
 * can neither read the cookie nor compute the HMAC.
 */
export function loginCsrf(secret: Buffer, cookieValue: string): string {
  return createHmac("sha256", secret).update(`login:${cookieValue}`).digest("hex");
}

export function validLoginCsrf(secret: Buffer, cookieValue: string | undefined, submitted: string | null): boolean {
  if (!cookieValue || !submitted || !/^[0-9a-f]{32,128}$/.test(cookieValue)) return false;
  return tokensEqual(loginCsrf(secret, cookieValue), submitted);
}
