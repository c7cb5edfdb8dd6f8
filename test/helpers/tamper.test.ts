import { expect, test } from "bun:test";
import { tamperLastChar } from "./tamper.ts";

test("tamperLastChar changes exactly the last character, whatever it is", () => {
  const alphabet = "0123456789abcdefABCDEFGHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz-_";
  for (const last of alphabet) {
    const value = `f00d${last}`;
    const t = tamperLastChar(value);
    expect(t).not.toBe(value);
    expect(t.slice(0, -1)).toBe(value.slice(0, -1));
    expect(t).toMatch(/^[0-9a-f]+$/); // still hex (and base64url)
  }
  expect(() => tamperLastChar("")).toThrow();
});
