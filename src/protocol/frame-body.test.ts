import { describe, expect, test } from "bun:test";
import { exceedsJsonDepth, parseFrameBody } from "./frame-body.ts";

const utf8 = new TextEncoder();

describe("exceedsJsonDepth", () => {
  test("an unterminated string or unbalanced close is handled", () => {
    expect(exceedsJsonDepth(utf8.encode('{"a":"' + "x".repeat(100)), 64)).toBe(false);
    expect(exceedsJsonDepth(utf8.encode("{}}"), 64)).toBe(true);
  });
});

describe("parseFrameBody", () => {
  test("an empty body is bad_frame", () => {
    const result = parseFrameBody(new Uint8Array(0));
    expect(result.ok ? "ok" : result.error.code).toBe("bad_frame");
  });

  test("a leading byte-order mark is bad_frame", () => {
    const result = parseFrameBody(utf8.encode("\ufeff{}"));
    expect(result.ok ? "ok" : result.error.code).toBe("bad_frame");
  });

  test("the depth bound is configurable", () => {
    expect(parseFrameBody(utf8.encode('{"a":[[1]]}'), 3).ok).toBe(true);
    expect(parseFrameBody(utf8.encode('{"a":[[1]]}'), 2).ok).toBe(false);
  });
});
