import { describe, expect, test } from "bun:test";
import { decideEgress, isPublicAddress, normalizeHost, parseEgressRule, parseEgressRules, parseIPv6, type RequestedHost } from "./egress-policy.ts";

const host = (raw: string): RequestedHost => {
  const r = normalizeHost(raw);
  if (!r.ok) throw new Error(`${raw}: ${r.reason}`);
  return r.host;
};
const allowed = (allow: string[], raw: string, port: number): boolean => {
  const n = normalizeHost(raw);
  return n.ok && decideEgress(parseEgressRules(allow), n.host, port).allowed;
};

describe("parseEgressRule", () => {
  test("the forms of the grammar", () => {
    expect(parseEgressRule("example.com")).toEqual({ ok: true, rule: { kind: "name", name: "example.com", port: null, target: "example.com" } });
    expect(parseEgressRule("network:egress:API.Example.COM.:8443")).toEqual({ ok: true, rule: { kind: "name", name: "api.example.com", port: 8443, target: "API.Example.COM.:8443" } });
    expect(parseEgressRule("*.example.com")).toEqual({ ok: true, rule: { kind: "subdomains", suffix: "example.com", port: null, target: "*.example.com" } });
    expect(parseEgressRule("*")).toEqual({ ok: true, rule: { kind: "any", port: null, target: "*" } });
    expect(parseEgressRule("*:443")).toEqual({ ok: true, rule: { kind: "any", port: 443, target: "*:443" } });
    expect(parseEgressRule("127.0.0.1:5432")).toEqual({ ok: true, rule: { kind: "ipv4", ip: "127.0.0.1", port: 5432, target: "127.0.0.1:5432" } });
    expect(parseEgressRule("localhost")).toMatchObject({ ok: true, rule: { kind: "name", name: "localhost" } });
    expect(parseEgressRule("xn--bcher-kva.example")).toMatchObject({ ok: true, rule: { kind: "name", name: "xn--bcher-kva.example" } });
  });

  test.each([
    ["foo*.example.com", "wildcard"],
    ["a.*.example.com", "wildcard"],
    ["**.example.com", "wildcard"],
    ["*.127.0.0.1", "IP address"],
    ["example.com:0", "port"],
    ["example.com:65536", "port"],
    ["example.com:", "host or"],
    ["", "host or"],
    ["a b", "host or"],
    ["127.1", "non-canonical"],
    ["2130706433", "non-canonical"],
    ["example..com", "invalid host"],
    [`${"a".repeat(64)}.com`, "63"],
    ["-a.com", "host or"],
    ["a-.com", "invalid host"],
    ["filesystem:read:/tmp", "host or"],
  ])("refuses %p", (entry, why) => {
    const r = parseEgressRule(entry);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(why);
  });

  test("parseEgressRules throws naming the bad entry (an approval is never silently dropped)", () => {
    expect(() => parseEgressRules(["example.com", "foo*.com"])).toThrow("invalid egress target 'foo*.com'");
  });
});

describe("normalizeHost", () => {
  test("case, trailing dot, IP literals", () => {
    expect(host("EXAMPLE.com.")).toEqual({ kind: "name", host: "example.com" });
    expect(host("127.0.0.1")).toEqual({ kind: "ipv4", host: "127.0.0.1" });
    expect(host("[::1]")).toEqual({ kind: "ipv6", host: "::1" });
    expect(host("[2001:DB8::1]")).toEqual({ kind: "ipv6", host: "2001:db8::1" });
    expect(host("xn--e1afmkfd.xn--p1ai")).toEqual({ kind: "name", host: "xn--e1afmkfd.xn--p1ai" });
    expect(host(`${"a".repeat(63)}.com`).kind).toBe("name");
  });

  test.each([
    "",
    ".",
    "example.com..",
    ".example.com",
    "exa mple.com",
    "exämple.com", // Unicode: only punycode is accepted, never converted
    "exаmple.com", // Cyrillic а
    "foo_bar.example.com",
    `${"a".repeat(64)}.com`,
    `${"a.".repeat(127)}com`, // 257 characters
    "127.1",
    "0x7f.0.0.1",
    "127.0.0.01",
    "2130706433",
    "1.2.3",
    "example.0x10",
    "256.0.0.1",
    "[::1",
    "[fe80::1%eth0]",
    "[1.2.3.4]",
    "[::1::2]",
    "::1",
    "-example.com",
    "a\u0000.com",
    "*.example.com",
  ])("refuses %p", (raw) => {
    expect(normalizeHost(raw).ok).toBe(false);
  });
});

describe("decideEgress", () => {
  test("an exact name: that name only, ports 80 and 443 unless a port is given", () => {
    expect(allowed(["example.com"], "example.com", 443)).toBe(true);
    expect(allowed(["example.com"], "EXAMPLE.com.", 80)).toBe(true);
    expect(allowed(["example.com"], "example.com", 8080)).toBe(false);
    expect(allowed(["example.com"], "www.example.com", 443)).toBe(false);
    expect(allowed(["example.com"], "example.com.evil.com", 443)).toBe(false);
    expect(allowed(["example.com"], "evil.com.example.com", 443)).toBe(false);
    expect(allowed(["example.com"], "evilexample.com", 443)).toBe(false);
    expect(allowed(["example.com"], "example.co", 443)).toBe(false);
    expect(allowed(["example.com:8443"], "example.com", 8443)).toBe(true);
    expect(allowed(["example.com:8443"], "example.com", 443)).toBe(false);
  });

  test("*.name: names below it, not the apex, not look-alikes", () => {
    const allow = ["*.example.com"];
    expect(allowed(allow, "api.example.com", 443)).toBe(true);
    expect(allowed(allow, "a.b.example.com", 80)).toBe(true);
    expect(allowed(allow, "evil.com.example.com", 443)).toBe(true); // a real subdomain of example.com
    expect(allowed(allow, "example.com", 443)).toBe(false);
    expect(allowed(allow, "example.com.evil.com", 443)).toBe(false);
    expect(allowed(allow, "evilexample.com", 443)).toBe(false);
    expect(allowed(allow, "api.example.com", 22)).toBe(false);
    expect(allowed(["*.example.com:22"], "git.example.com", 22)).toBe(true);
    expect(allowed(["*.example.com:22"], "git.example.com", 443)).toBe(false);
  });

  test("IP literals only when approved literally; never through a name", () => {
    expect(allowed(["127.0.0.1:8080"], "127.0.0.1", 8080)).toBe(true);
    expect(allowed(["127.0.0.1:8080"], "127.0.0.1", 8081)).toBe(false);
    expect(allowed(["127.0.0.1:8080"], "127.0.0.2", 8080)).toBe(false);
    expect(allowed(["127.0.0.1:8080"], "127.0.0.1.nip.io", 8080)).toBe(false);
    expect(allowed(["127.0.0.1:8080"], "localhost", 8080)).toBe(false);
    expect(allowed(["*.nip.io"], "127.0.0.1", 443)).toBe(false);
    expect(allowed(["example.com"], "[::1]", 443)).toBe(false);
    expect(allowed(["example.com"], "93.184.216.34", 443)).toBe(false);
  });

  test("private destinations: only an approved IP literal or localhost may be one", () => {
    const rules = parseEgressRules(["127.0.0.1:8080", "localhost:3000", "example.com", "*"]);
    expect(decideEgress(rules, host("127.0.0.1"), 8080)).toEqual({ allowed: true, target: "127.0.0.1:8080", privateOk: true });
    expect(decideEgress(rules, host("localhost"), 3000)).toEqual({ allowed: true, target: "localhost:3000", privateOk: true });
    expect(decideEgress(rules, host("example.com"), 443)).toEqual({ allowed: true, target: "example.com", privateOk: false });
    // `*` reaches names and literals, but only public ones (checked after resolution).
    expect(decideEgress(rules, host("localhost"), 80)).toEqual({ allowed: true, target: "*", privateOk: false });
    expect(decideEgress(rules, host("127.0.0.1"), 80)).toEqual({ allowed: true, target: "*", privateOk: false });
    expect(decideEgress(rules, host("[::1]"), 22)).toEqual({ allowed: true, target: "*", privateOk: false });
  });

  test("* with a port, and the refusal reason", () => {
    expect(allowed(["*:443"], "anything.example", 443)).toBe(true);
    expect(allowed(["*:443"], "anything.example", 80)).toBe(false);
    expect(allowed(["*"], "anything.example", 22)).toBe(true);
    expect(decideEgress([], host("evil.com"), 443)).toEqual({ allowed: false, reason: "evil.com:443 is not an approved egress target" });
    expect(decideEgress([], host("[::1]"), 80)).toEqual({ allowed: false, reason: "[::1]:80 is not an approved egress target" });
  });
});

describe("isPublicAddress", () => {
  test.each([
    ["93.184.216.34", true],
    ["8.8.8.8", true],
    ["2606:2800:220:1:248:1893:25c8:1946", true],
    ["2a00:1450:4001:80b::200e", true],
    ["::ffff:93.184.216.34", true],
    ["2002:5db8:d822::1", true], // 6to4 of a public address
    ["64:ff9b::808:808", true], // NAT64 of 8.8.8.8
    ["127.0.0.1", false],
    ["127.255.255.254", false],
    ["0.0.0.0", false],
    ["10.1.2.3", false],
    ["100.64.0.1", false],
    ["169.254.169.254", false],
    ["172.16.0.1", false],
    ["172.31.255.255", false],
    ["192.168.1.1", false],
    ["192.0.0.8", false],
    ["198.18.0.1", false],
    ["224.0.0.1", false],
    ["255.255.255.255", false],
    ["::", false],
    ["::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:7f00:1", false],
    ["::127.0.0.1", false],
    ["64:ff9b::a00:1", false], // NAT64 of 10.0.0.1
    ["2002:c0a8:0101::1", false], // 6to4 of 192.168.1.1
    ["fe80::1", false],
    ["fc00::1", false],
    ["fd12:3456::1", false],
    ["fec0::1", false],
    ["ff02::1", false],
    ["2001:db8::1", false],
    ["2001::1", false], // Teredo
    ["100::1", false],
    ["not an address", false],
    ["1.2.3.4.5", false],
  ])("%p → %p", (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });

  test("172.15 and 172.32 are public (the private block is exactly 172.16/12)", () => {
    expect(isPublicAddress("172.15.255.255")).toBe(true);
    expect(isPublicAddress("172.32.0.0")).toBe(true);
  });
});

describe("parseIPv6", () => {
  test("compression, embedded IPv4, and malformed input", () => {
    expect(parseIPv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("1::")).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIPv6("1:2:3:4:5:6:1.2.3.4")).toEqual([1, 2, 3, 4, 5, 6, 0x0102, 0x0304]);
    for (const bad of ["", ":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:2:3:4:5:6:7", "::1.2.3", "g::1", "1:2:3:4:5:6:7::8", "::ffff:1.2.3.04"]) {
      expect(parseIPv6(bad)).toBeNull();
    }
  });
});
