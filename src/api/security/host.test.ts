import { expect, test } from "bun:test";
import { browserBaseUrl, isAllowedHost, ownOrigin, refererOrigin, UI_HOSTNAME } from "./host.ts";

const addr = { port: 6767, extraHosts: [] };

test("accepts only loopback names with the exact port", () => {
  for (const h of ["127.0.0.1:6767", "localhost:6767", "[::1]:6767", "a.localhost:6767", "a.b.localhost:6767", "LocalHost:6767"]) {
    expect(`${h} ${isAllowedHost(h, addr)}`).toBe(`${h} true`);
  }
  for (const h of [null, "", "127.0.0.1", "localhost", "127.0.0.1:6768", "127.0.0.1:06767", "evil.com:6767", "127.0.0.1.nip.io:6767", "x.local:6767", "localhost.:6767", ".localhost:6767", "a..localhost:6767", "-a.localhost:6767", "127.0.0.2:6767", "[::2]:6767", "0.0.0.0:6767", "127.0.0.1:6767@evil.com", "127.0.0.1:6767 evil", "localhost:6767, evil.com"]) {
    expect(`${h} ${isAllowedHost(h, addr)}`).toBe(`${h} false`);
  }
});

test("the UI's own loopback name is accepted with our port, and is what browsers are sent to", () => {
  expect(isAllowedHost(`${UI_HOSTNAME}:6767`, addr)).toBe(true);
  expect(isAllowedHost(`${UI_HOSTNAME}:6768`, addr)).toBe(false);
  expect(ownOrigin(`${UI_HOSTNAME}:6767`)).toBe("http://opensentience.localhost:6767");
  for (const base of ["http://127.0.0.1:6767", "http://127.0.0.1:6767/", "http://localhost:6767", "http://[::1]:6767"]) {
    expect(browserBaseUrl(base)).toBe("http://opensentience.localhost:6767");
  }
  expect(browserBaseUrl("http://127.0.0.1")).toBe("http://opensentience.localhost");
  // Not loopback (--allow-remote on a LAN address): the name would not reach it.
  expect(browserBaseUrl("http://192.168.1.5:6767/")).toBe("http://192.168.1.5:6767");
  expect(browserBaseUrl("http://127.0.0.2:6767")).toBe("http://127.0.0.2:6767");
});

test("a bare name is ours only on port 80; extra hosts are exact", () => {
  expect(isAllowedHost("localhost", { port: 80, extraHosts: [] })).toBe(true);
  expect(isAllowedHost("192.168.1.5:6767", { port: 6767, extraHosts: ["192.168.1.5"] })).toBe(true);
  expect(isAllowedHost("192.168.1.6:6767", { port: 6767, extraHosts: ["192.168.1.5"] })).toBe(false);
});

test("origins serialize like browsers do", () => {
  expect(ownOrigin("LOCALHOST:6767")).toBe("http://localhost:6767");
  expect(ownOrigin("localhost:80")).toBe("http://localhost");
  expect(refererOrigin("http://127.0.0.1:6767/agents?x=1")).toBe("http://127.0.0.1:6767");
  expect(refererOrigin("javascript:alert(1)")).toBeNull();
  expect(refererOrigin("not a url")).toBeNull();
  expect(refererOrigin(null)).toBeNull();
});
