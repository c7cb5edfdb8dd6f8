import { describe, expect, test } from "bun:test";
import { cutOutsideToken, LineRedactor, REDACTED, redactText, redactValue, shapeOf } from "./redact.ts";

const R = REDACTED;

describe("redactText masks secrets by shape", () => {
  test.each([
    ["bearer token", "sent Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl ok", `sent Bearer ${R} ok`],
    ["Authorization header (bearer)", "Authorization: Bearer abc.def-ghi_jkl", `Authorization: Bearer ${R}`],
    ["Authorization header (basic)", "authorization=Basic dXNlcjpwYXNz", `authorization=Basic ${R}`],
    ["Authorization header (raw value)", "Authorization: s3cr3tvalue", `Authorization: ${R}`],
    ["Authorization in a curl line", 'curl -H "Authorization: token abcdef123456" https://x', `curl -H "Authorization: token ${R}" https://x`],
    ["user:pass@ URL", "cloning https://alice:s3cr3t@example.com/repo.git", `cloning https://alice:${R}@example.com/repo.git`],
    ["user:pass@ in ssh URL", "ssh://git:pw@host/x", `ssh://git:${R}@host/x`],
    ["PEM private key", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc==\n-----END RSA PRIVATE KEY-----\ndone", `key:\n${R}\ndone`],
    ["unterminated PEM", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk", R],
    ["api_key=", "GET /x?api_key=sk_live_123456&page=2", `GET /x?api_key=${R}&page=2`],
    ["API-KEY:", "API-KEY: abcd1234", `API-KEY: ${R}`],
    ["apikey in env dump", "OPENAI_APIKEY=abc123 PATH=/bin", `OPENAI_APIKEY=${R} PATH=/bin`],
    ['"password": "..."', '{"user": "bob", "password": "hunter2"}', `{"user": "bob", "password": "${R}"}`],
    ["password=", "db password=hunter2 host=x", `db password=${R} host=x`],
    ["client_secret:", "client_secret: 'abc'", `client_secret: '${R}'`],
    ["GitHub classic token", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked", `token ${R} leaked`],
    ["GitHub fine-grained token", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", R],
    ["GitHub app/oauth tokens", "gho_abcdefghijklmnopqrstuvwxyz0123 ghs_abcdefghijklmnopqrstuvwxyz0123", `${R} ${R}`],
    ["OpenAI-style key", "sk-proj_abcdefghijklmnopqrstuvwxyz", R],
    ["AWS access key id", "AKIAIOSFODNN7EXAMPLE", R],
    ["Slack token", "xoxb-1234567890-abcdefghij", R],
    ["GitLab token", "glpat-abcdefghijklmnopqrst", R],
    ["64-hex session token", `token=${"ab".repeat(32)}`, `token=${R}`],
    ["bare 64-hex", `nonce ${"0f".repeat(32)} end`, `nonce ${R} end`],
  ])("%s", (_name, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  test.each([
    "The quick brown fox jumps over the lazy dog.",
    "Compiling 3 files (.ex); 12 tests, 0 failures; tokenizer ok; passwords module loaded",
    "author: Jane; authority granted; authenticated as bob",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b (40 hex is a git sha, not a secret)",
    "git@github.com:acme/repo.git and https://example.com/a?b=c#frag",
    "Version 1.2.3-beta.1 at 2026-01-01T00:00:00Z, pid 4242, port 6767",
    "mix opensentience.agent --token-file /run/x",
    "the bearer of bad news",
    "filesystem:read:~/Projects env:read:GIT_AUTHOR_NAME",
    "",
  ])("leaves normal text alone: %j", (text) => {
    expect(redactText(text)).toBe(text);
  });

  test("is idempotent", () => {
    const once = redactText("Authorization: Bearer abcdefgh12345678 https://u:p@h/ password=x");
    expect(redactText(once)).toBe(once);
  });

  test("quoted secret values containing spaces are masked", () => {
    expect(redactText('{"password": "correct horse battery staple"}')).toBe(`{"password": "${R}"}`);
    expect(redactText("password='quoted value'")).toBe(`password='${R}'`);
  });
});

describe("redactValue masks by key name and by shape, without mutating input", () => {
  test("secret-looking keys at any depth; null and booleans kept; strings scanned", () => {
    const input = {
      headers: { Authorization: "Bearer x", Cookie: "sid=1", "X-Api-Key": "k" },
      password: "p",
      nested: [{ apiKey: "k", private_key: { n: 1 } }],
      session_id: 42,
      token: null,
      auth_required: true,
      note: "see https://u:pw@host/x",
      ok: "fine",
      count: 3,
    };
    const copy = structuredClone(input);
    expect(redactValue(input)).toEqual({
      headers: { Authorization: R, Cookie: R, "X-Api-Key": R },
      password: R,
      nested: [{ apiKey: R, private_key: R }],
      session_id: 42, // an identifier the audit trail needs, not a secret
      token: null,
      auth_required: true,
      note: `see https://u:${R}@host/x`,
      ok: "fine",
      count: 3,
    });
    expect(input).toEqual(copy);
  });

  test("hostile nesting is bounded", () => {
    let v: unknown = "leaf";
    for (let i = 0; i < 100; i++) v = { k: v };
    expect(() => redactValue(v)).not.toThrow();
    expect(JSON.stringify(redactValue(v))).toContain(R);
  });
});

test("shapeOf keeps keys and types only", () => {
  expect(shapeOf({ path: "/etc/passwd", n: 1, list: [1, 2], deep: { ok: true, nil: null } })).toEqual({
    path: "string",
    n: "number",
    list: "array(2)",
    deep: { ok: "boolean", nil: "null" },
  });
});

test("hostile long output is redacted in linear time (no catastrophic backtracking)", () => {
  // A quadratic rule takes minutes on 512 KiB of letters; a linear pass takes milliseconds.
  // The bound is generous on purpose: it only catches a return to super-linear behaviour.
  const hostile = `${"a".repeat(512 * 1024)} password=abc ${"9".repeat(256 * 1024)}`;
  const t = performance.now();
  const out = redactText(hostile);
  expect(performance.now() - t).toBeLessThan(2000);
  expect(out).toContain(`password=${R}`);
});

test("hostile key-name runs are linear too (the 128 KiB case that took 32 s)", () => {
  // One 128 KiB "word" full of secret key names and no separator: the old key=value rule
  // re-scanned the word from every key name it found (quadratic).
  for (const hostile of ["pass".repeat(32 * 1024), "token_".repeat(22 * 1024), `${"password-".repeat(13 * 1024)}x`, "-eyJ".repeat(32 * 1024)]) {
    const t = performance.now();
    redactText(hostile);
    expect(performance.now() - t).toBeLessThan(2000);
  }
});

describe("LineRedactor: agent output line by line", () => {
  const body = ["MIIEowIBAAKCAQEAz9Xk9fQ2mL7pR4vT8wZ3yB6nD1hJ5sG0cAeFiMoUqWt0aBcD", "q1W2e3R4t5Y6u7I8o9P0aSdFgHjKlZxCvBnM0123456789abcdefABCDEF+/==", "Zm9vYmFy"];
  const run = (lines: string[], maxLine = 8192) => {
    const r = new LineRedactor({ maxLine });
    return lines.map((l) => r.line(l)).filter((l): l is string => l !== null);
  };

  test("a PEM block printed over several lines: BEGIN shows [REDACTED], body and END are dropped", () => {
    const out = run(["loading key", "-----BEGIN RSA PRIVATE KEY-----", ...body, "-----END RSA PRIVATE KEY-----", "key loaded"]);
    expect(out).toEqual(["loading key", R, "key loaded"]);
  });

  test("headers of an encrypted key, indentation and text around the markers", () => {
    const out = run([
      "cfg: -----BEGIN ENCRYPTED PRIVATE KEY-----",
      "Proc-Type: 4,ENCRYPTED",
      "DEK-Info: AES-128-CBC,0123456789ABCDEF",
      "",
      ...body.map((b) => `    ${b}`),
      "    -----END ENCRYPTED PRIVATE KEY----- (from vault)",
    ]);
    expect(out).toEqual([`cfg: ${R}`, " (from vault)"]);
  });

  test("an unterminated block ends at the first line that is not key material", () => {
    const out = run(["-----BEGIN OPENSSH PRIVATE KEY-----", body[0]!, "** (RuntimeError) something failed", body[1]!]);
    expect(out).toEqual([R, "** (RuntimeError) something failed", body[1]!]);
    // A header line after the body is not a header: it ends the block.
    expect(run(["-----BEGIN PRIVATE KEY-----", body[0]!, "Comment: not here"])).toEqual([R, "Comment: not here"]);
  });

  test("a whole block on one line, and a second block opening on the END line", () => {
    const r = new LineRedactor({ maxLine: 8192 });
    expect(r.line(`a -----BEGIN X KEY----- ${body[0]} -----END X KEY----- b`)).toBe(`a ${R} b`);
    expect(r.inBlock).toBe(false);
    expect(r.line("-----BEGIN X KEY-----")).toBe(R);
    expect(r.line(`${body[0]}-----END X KEY----- then -----BEGIN Y KEY-----`)).toBe(` then ${R}`);
    expect(r.inBlock).toBe(true);
    expect(r.line(body[1]!)).toBeNull();
  });

  test("each line is still redacted by shape (JWT, key=value)", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    expect(run([`got ${jwt}`, "password=hunter2"])).toEqual([`got ${R}`, `password=${R}`]);
  });

  test("a long line is cut outside any token, after redacting past the cut", () => {
    const key = `ghp_${"Ab3".repeat(12)}`;
    // The token straddles the cut at 100: redacted whole, not left as a fragment.
    const straddle = `${"x ".repeat(45)}${key} tail`;
    expect(run([straddle], 100)).toEqual([`${"x ".repeat(45)}${R}…`]);
    // A 4 KiB base64 run cut at 100: dropped entirely rather than shown in part.
    const blob = `data: ${"QUJD".repeat(1024)} end`;
    expect(run([blob], 100)).toEqual(["data: …"]);
    // A quoted secret that runs past the window is masked to the cut.
    const quoted = `{"password": "${"correct horse ".repeat(2000)}"}`;
    const [out] = run([quoted], 100);
    expect(out).toBe(`{"password": "${R}…`);
  });

  test("work per line is bounded: a 32 MiB line costs what its first few KiB cost", () => {
    const huge = `${"a".repeat(32 * 1024 * 1024)}`;
    const r = new LineRedactor({ maxLine: 8192 });
    const t = performance.now();
    const out = r.line(huge)!;
    expect(performance.now() - t).toBeLessThan(500);
    expect(out).toBe("…");
  });
});

test("cutOutsideToken keeps whole words and drops a token cut in half", () => {
  expect(cutOutsideToken("hello world", 8)).toBe("hello ");
  expect(cutOutsideToken("hello world", 5)).toBe("hello");
  expect(cutOutsideToken("a:b,c", 3)).toBe("a:b");
  expect(cutOutsideToken("short", 99)).toBe("short");
});

test("a short input redacted again (answered from memory) is masked the same way, and plain text is kept", () => {
  const secret = `token=ghp_${"a1B2c3D4e5".repeat(4).slice(0, 36)}`;
  const first = redactText(secret);
  expect(first).toContain(REDACTED);
  for (let i = 0; i < 3; i++) expect(redactText(secret)).toBe(first);
  for (let i = 0; i < 5000; i++) redactText(`plain text number ${i}`); // past the memory's cap: it starts over
  expect(redactText(secret)).toBe(first);
  expect(redactText("com.opensentience.examples.echo/echo")).toBe("com.opensentience.examples.echo/echo");
});
