/**
 * `value` with its last character replaced by a different one. The naive
 * `value.slice(0, -1) + "0"` is a no-op whenever the value already ends in "0"
 * (one hex token in sixteen), which made "a tampered token is refused" tests
 * flaky. "0" and "1" are valid in hex and base64url, so the shape is kept.
 */
export function tamperLastChar(value: string): string {
  if (value.length === 0) throw new Error("tamperLastChar: empty value");
  return value.slice(0, -1) + (value.endsWith("0") ? "1" : "0");
}
