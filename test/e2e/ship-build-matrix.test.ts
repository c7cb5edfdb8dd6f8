/**
 * scripts/build-matrix.ts: the parts that do not need a full cross build
 * (running the matrix takes minutes and network for the non-host runtimes;
 * it is a release step, run by hand: `bun scripts/build-matrix.ts`).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ALL_TARGETS, hostTarget, sha256sumsText } from "../../scripts/build-matrix.ts";
import { REPO_ROOT } from "../helpers/binary.ts";

describe("build matrix", () => {
  test("targets and the host", () => {
    expect([...ALL_TARGETS]).toEqual(["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"]);
    expect(hostTarget("linux", "x64")).toBe("linux-x64");
    expect(hostTarget("darwin", "arm64")).toBe("darwin-arm64");
  });

  test("SHA256SUMS is in sha256sum -c format, sorted", () => {
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    expect(sha256sumsText([{ name: "opensentience-linux-x64", sha256: b }, { name: "opensentience-darwin-arm64", sha256: a }])).toBe(
      `${a}  opensentience-darwin-arm64\n${b}  opensentience-linux-x64\n`,
    );
  });

  test("an unknown target is a usage error before anything is built", () => {
    const p = Bun.spawnSync([process.execPath, join(REPO_ROOT, "scripts/build-matrix.ts"), "--targets", "linux-x64,plan9-mips"], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
    expect(p.exitCode).toBe(2);
    expect(p.stderr.toString()).toContain("unknown target(s): plan9-mips");
  });
});
