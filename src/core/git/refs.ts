/**
 * Git ref validation: the single check every ref passes before it reaches git
 * (registry refs, `--ref` flags, registry `default_ref`, pinned commits).
 * Follows `git check-ref-format` rules, plus: no leading `-` or `+` (an option
 * or a forced refspec), bounded length. A full 40-hex commit id is also valid.
 */
import { z } from "zod";

export const FULL_SHA_RE = /^[0-9a-f]{40}$/;

export const isFullSha = (s: string): boolean => FULL_SHA_RE.test(s);

/** Returns why `ref` is unusable, or null when it is a safe branch, tag or commit name. */
export function refProblem(ref: string): string | null {
  if (ref.length === 0 || ref.length > 255) return "must be 1-255 characters";
  if (ref.startsWith("-")) return "must not start with '-'";
  if (ref.startsWith("+")) return "must not start with '+'";
  if (/[\u0000-\u0020\u007f]/.test(ref)) return "must not contain spaces or control characters";
  if (/[~^:?*[\\]/.test(ref)) return "must not contain any of ~ ^ : ? * [ \\";
  if (ref.includes("..")) return "must not contain '..'";
  if (ref.includes("@{")) return "must not contain '@{'";
  if (ref === "@") return "must not be '@'";
  if (ref.startsWith("/") || ref.endsWith("/") || ref.includes("//")) return "must not start or end with '/' or contain '//'";
  if (ref.endsWith(".")) return "must not end with '.'";
  for (const part of ref.split("/")) {
    if (part.startsWith(".")) return "no path component may start with '.'";
    if (part.endsWith(".lock")) return "no path component may end with '.lock'";
  }
  return null;
}

export const refSchema = z.string().superRefine((s, ctx) => {
  const p = refProblem(s);
  if (p) ctx.addIssue({ code: "custom", message: `invalid git ref: ${p}` });
});
