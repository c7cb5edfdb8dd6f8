/**
 * Static checks of the Dockerfile and .dockerignore. There is no Docker engine
 * on the test machines, so the image build itself is a manual check:
 *
 *   docker build -t opensentience . &&
 *   docker run --rm -p 127.0.0.1:6767:6767 -v opensentience:/data opensentience
 *
 * What can be checked without one is checked here: the stages, the build
 * command, the non-root user, the volume, the port, the command line, and that
 * no secret or build junk can end up in the image.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/binary.ts";

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Joins continuation lines, drops comments and blank lines. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!buf && (line === "" || line.startsWith("#"))) return;
    if (!buf) start = i + 1;
    buf += `${line.replace(/\\$/, "").trim()} `;
    if (line.endsWith("\\")) return;
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(buf.trim());
    if (!m) throw new Error(`line ${start}: cannot parse ${buf}`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
    buf = "";
  });
  if (buf) throw new Error("dangling line continuation at the end");
  return out;
}

const text = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
const all = parseDockerfile(text);
const stageStarts = all.map((ins, i) => (ins.op === "FROM" ? i : -1)).filter((i) => i >= 0);
const stages = stageStarts.map((s, k) => all.slice(s, stageStarts[k + 1] ?? all.length));
const build = stages[0]!;
const runtime = stages.at(-1)!;
const ops = (stage: Instruction[], op: string) => stage.filter((i) => i.op === op);

describe("Dockerfile", () => {
  test("only known instructions", () => {
    const known = new Set(["FROM", "ARG", "RUN", "WORKDIR", "COPY", "ENV", "VOLUME", "USER", "EXPOSE", "ENTRYPOINT", "CMD", "LABEL", "HEALTHCHECK"]);
    for (const i of all) expect(known.has(i.op), `line ${i.line}: ${i.op}`).toBe(true);
  });

  test("two stages: Bun on node:20-bookworm builds, debian:bookworm-slim runs", () => {
    expect(stages).toHaveLength(2);
    expect(build[0]!.args).toBe("node:20-bookworm AS build");
    expect(runtime[0]!.args).toBe("debian:bookworm-slim");
    const buildRuns = ops(build, "RUN").map((i) => i.args);
    expect(buildRuns.some((r) => /npm install -g .*"?bun@/.test(r))).toBe(true);
    expect(buildRuns.some((r) => r.includes("bun install --frozen-lockfile"))).toBe(true);
    expect(buildRuns.some((r) => r.includes("bun run build"))).toBe(true);
    // The binary built in stage one is what the runtime stage ships.
    expect(ops(runtime, "COPY").map((i) => i.args)).toContain("--from=build /src/dist/opensentience /usr/local/bin/opensentience");
    expect(ops(build, "WORKDIR")[0]!.args).toBe("/src");
  });

  test("runtime: git, elixir and CA certificates from Debian; apt lists removed", () => {
    const install = ops(runtime, "RUN").find((i) => i.args.includes("apt-get install"))!.args;
    for (const pkg of ["git", "elixir", "ca-certificates"]) expect(install.split(/\s+/)).toContain(pkg);
    expect(install).toContain("--no-install-recommends");
    expect(install).toContain("rm -rf /var/lib/apt/lists/*");
  });

  test("runs as the unprivileged user opensentience (uid 10001), set after every RUN", () => {
    const users = ops(runtime, "USER");
    expect(users.map((u) => u.args)).toEqual(["opensentience"]);
    const userAt = runtime.indexOf(users[0]!);
    expect(runtime.slice(userAt).filter((i) => i.op === "RUN")).toEqual([]);
    expect(ops(runtime, "RUN").some((i) => /useradd .*--uid 10001\b/.test(i.args) && i.args.includes("opensentience"))).toBe(true);
  });

  test("data in the /data volume (0700, owned by the user), port 6767, the serve command", () => {
    expect(ops(runtime, "ENV").map((i) => i.args).join(" ")).toMatch(/OPENSENTIENCE_HOME=\/data\b/);
    expect(ops(runtime, "VOLUME").map((i) => i.args)).toEqual(['["/data"]']);
    expect(ops(runtime, "RUN").some((i) => /install -d -o opensentience -g opensentience -m 0700 \/data/.test(i.args))).toBe(true);
    expect(ops(runtime, "EXPOSE").map((i) => i.args)).toEqual(["6767"]);
    expect(JSON.parse(ops(runtime, "CMD")[0]!.args)).toEqual(["opensentience", "serve", "--host", "0.0.0.0", "--allow-remote", "--port", "6767"]);
    expect(JSON.parse(ops(runtime, "ENTRYPOINT")[0]!.args)).toEqual(["/usr/bin/tini", "--"]);
  });

  test("documents publishing on the host's loopback only", () => {
    expect(text).toContain("-p 127.0.0.1:6767:6767");
    expect(text).toContain("-v opensentience:/data");
    expect(text).toMatch(/Never use `-p 6767:6767`/);
  });

  test("no secrets: nothing secret-looking in ENV/ARG, no token or env files copied", () => {
    for (const i of all.filter((x) => x.op === "ENV" || x.op === "ARG")) expect(i.args).not.toMatch(/TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE/i);
    for (const i of ops(all, "COPY")) expect(i.args).not.toMatch(/admin\.token|\.env\b|id_rsa|\.ssh|\.npmrc/);
    expect(text).not.toMatch(/[0-9a-f]{64}/); // no token-shaped literal anywhere
  });
});

describe(".dockerignore", () => {
  const ignore = readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  test("keeps build output, dependencies and VCS out of the context", () => {
    for (const p of ["node_modules", "dist", ".git", "test-results"]) expect(ignore).toContain(p);
    for (const p of ["_build", "deps"]) expect(ignore.some((l) => l === p || l === `**/${p}`)).toBe(true);
    expect(ignore.some((l) => l.startsWith(".env"))).toBe(true);
  });

  test("does not exclude what the build needs", () => {
    for (const needed of ["src", "sdk", "examples", "migrations", "assets", "scripts", "package.json", "bun.lock"]) {
      expect(ignore.some((l) => l === needed || l === `${needed}/` || l === `/${needed}`), needed).toBe(false);
    }
  });
});
