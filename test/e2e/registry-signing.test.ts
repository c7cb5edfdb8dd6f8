/**
 * Signed registries (issue 16 part 2) against real git repositories on
 * file:// remotes, with SSH keys made by ssh-keygen here and commits signed by
 * git itself (gpg.format=ssh): an unsigned head and a head signed by an
 * unknown key are refused and the last good snapshot stays; a head signed by
 * the allowed key is accepted (incrementally). The allowed-signers file is a
 * copy: editing the original changes nothing, tampering with the copy refuses.
 * The refusal is audited and shown by `registry list` (compiled binary) and
 * on the Registries page.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAppError } from "../../src/core/errors.ts";
import { sshFingerprint } from "../../src/core/registry/allowed-signers.ts";
import type { Services } from "../../src/core/services.ts";
import { RegistriesPage } from "../../src/web/pages/registries.tsx";
import { type AgentRepo, cleanupTemp, git, manifest, registryEntry, registryRepo, runBin, servicesFor, tempDir, testHome, writeFiles } from "../helpers/git-fixtures.ts";

afterAll(cleanupTemp);

const agent = (id: string): AgentRepo => ({ dir: "", sha: "", url: `https://git.example.com/${id}.git`, manifest: manifest({ id }) });
const entry = (id: string) => JSON.stringify(registryEntry(agent(id)), null, 2);

function keygen(dir: string, name: string): { key: string; pub: string } {
  const key = join(dir, name);
  const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return { key, pub: readFileSync(`${key}.pub`, "utf8").trim() };
}

/** Writes registry files and commits them, signed with `key` (SSH) or unsigned. */
function commitEntries(dir: string, files: Record<string, string>, key: string | null, message: string): string {
  writeFiles(dir, Object.fromEntries(Object.entries(files).map(([f, c]) => [`agents/${f}`, c])));
  git(dir, "add", "-A");
  if (key) git(dir, "-c", "gpg.format=ssh", "-c", `user.signingkey=${key}`, "commit", "-q", "-S", "-m", message);
  else git(dir, "commit", "-q", "--no-gpg-sign", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected the sync to be refused");
}

const listed = (s: Services) =>
  s.catalog.sqlite
    .query<{ id: string }, []>("SELECT agent_id AS id FROM agents WHERE registry_name = 'signed' ORDER BY agent_id")
    .all()
    .map((r) => r.id);

describe("signed registries", () => {
  const root = tempDir("os-regsign-");
  const maint = keygen(root, "maint");
  const stranger = keygen(root, "stranger");
  const [maintType, maintKey] = maint.pub.split(" ") as [string, string];
  const allowedFile = join(root, "allowed_signers");
  writeFileSync(allowedFile, `# registry maintainers\nmaint@example.com namespaces="git" ${maintType} ${maintKey}\n`);

  test("unsigned or unknown-key heads are refused and the last good snapshot stays; the allowed key is accepted", async () => {
    const reg = registryRepo(root, { "com.example.a.json": registryEntry(agent("com.example.a")) }); // unsigned first commit
    const s = servicesFor(testHome());
    const original = join(root, "allowed_signers_edited_later");
    copyFileSync(allowedFile, original);
    const info = s.registries.add({ name: "signed", gitUrl: reg.url, requireSigned: true, allowedSigners: readFileSync(original, "utf8") }, { actor: "cli" });
    expect(info.requireSigned).toBe(true);
    expect(info.allowedSigners!.signers).toEqual([{ principals: "maint@example.com", keyType: "ssh-ed25519", fingerprint: sshFingerprint(maintKey) }]);
    expect(info.allowedSigners!.path.startsWith(join(s.config.paths.home, "registry-signers"))).toBe(true);

    // 1. Unsigned head: refused, nothing listed, audited, shown.
    const unsigned = await refusal(s.registries.sync("signed", { actor: "cli" }));
    expect(unsigned.code).toBe("forbidden");
    expect(unsigned.message).toContain("not signed");
    expect(listed(s)).toEqual([]);
    expect(s.registries.get("signed")).toMatchObject({ lastSyncStatus: "failed", lastCommit: null, signature: { status: "refused", commit: reg.sha } });
    expect(s.audit.query({ action: "registry.signature" })[0]).toMatchObject({ outcome: "denied", details: { commit: reg.sha } });
    expect(s.audit.query({ action: "registry.sync" })[0]!.outcome).toBe("denied");

    // 2. Signed by the allowed key: accepted.
    const good = commitEntries(reg.dir, { "com.example.b.json": entry("com.example.b") }, maint.key, "add b (signed)");
    const ok = await s.registries.sync("signed", { actor: "cli" });
    expect(ok.commit).toBe(good);
    expect(ok.signature).toContain("maint@example.com");
    expect(listed(s)).toEqual(["com.example.a", "com.example.b"]);
    expect(s.registries.get("signed").signature).toMatchObject({ status: "verified", commit: good });

    // 3. Signed by a key that is not allowed: refused, the catalog keeps the last good snapshot.
    const bad = commitEntries(reg.dir, { "com.example.c.json": entry("com.example.c") }, stranger.key, "add c (stranger)");
    const unknown = await refusal(s.registries.sync("signed", { actor: "cli" }));
    expect(unknown.code).toBe("forbidden");
    expect(unknown.message).toContain(`key ${sshFingerprint(stranger.pub.split(" ")[1]!)}`);
    expect(unknown.message).toContain("not in the allowed signers");
    expect(unknown.message).toContain(`last good snapshot ${good.slice(0, 12)}`);
    expect(listed(s)).toEqual(["com.example.a", "com.example.b"]);
    expect(s.registries.get("signed")).toMatchObject({ lastCommit: good, lastSyncStatus: "failed", signature: { status: "refused", commit: bad } });

    // Trust is the copy made at add time: adding the stranger to the original file changes nothing.
    appendFileSync(original, `stranger@example.com ${stranger.pub.split(" ").slice(0, 2).join(" ")}\n`);
    expect((await refusal(s.registries.sync("signed", { actor: "cli" }))).message).toContain("not in the allowed signers");

    // The page shows the refusal and the allowed key.
    const page = String(await RegistriesPage({ registries: s.registries.list(), csrf: "t" }));
    expect(page).toContain("Refused: signature");
    expect(page).toContain("not signed by an allowed key");
    expect(page).toContain(sshFingerprint(maintKey));
    expect(page).toContain(`last good snapshot (${good.slice(0, 12)})`);

    // 4. The maintainer signs a new head on top: accepted, reading only the changes.
    const fixed = commitEntries(reg.dir, { "com.example.d.json": entry("com.example.d") }, maint.key, "add d (signed)");
    const after = await s.registries.sync("signed", { actor: "cli" });
    expect(after.commit).toBe(fixed);
    expect(s.audit.query({ action: "registry.sync" })[0]!.details.read).toBe("changes");
    expect(listed(s)).toEqual(["com.example.a", "com.example.b", "com.example.c", "com.example.d"]);

    // A changed copy in the data directory refuses instead of widening trust.
    appendFileSync(info.allowedSigners!.path, `stranger@example.com ${stranger.pub.split(" ").slice(0, 2).join(" ")}\n`);
    commitEntries(reg.dir, { "com.example.e.json": entry("com.example.e") }, stranger.key, "add e (stranger)");
    expect((await refusal(s.registries.sync("signed", { actor: "cli" }))).message).toContain("was changed after 'registry add'");
    expect(listed(s)).toEqual(["com.example.a", "com.example.b", "com.example.c", "com.example.d"]);
    s.close();
  });

  test("bad signing settings are refused at add, nothing recorded", () => {
    const s = servicesFor(testHome());
    const reg = registryRepo(root, {});
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isAppError(e) ? `${e.code}: ${e.message}` : String(e);
      }
      return "accepted";
    };
    expect(code(() => s.registries.add({ name: "x", gitUrl: reg.url, requireSigned: true }, { actor: "cli" }))).toStartWith("invalid_argument: --require-signed needs --allowed-signers");
    expect(code(() => s.registries.add({ name: "x", gitUrl: reg.url, requireSigned: true, allowedSigners: "maint@example.com ssh-ed25519 not-base64!\n" }, { actor: "cli" }))).toContain("allowed-signers line 1");
    expect(code(() => s.registries.add({ name: "x", gitUrl: reg.url, requireSigned: true, allowedSigners: "# only a comment\n" }, { actor: "cli" }))).toContain("names no key");
    expect(s.registries.list()).toEqual([]);
    expect(s.audit.query({ action: "registry.add" }).every((e) => e.outcome === "error")).toBe(true);
    s.close();
  });

  test("config.json registries can require signatures; a stored unsigned one is reported, never weakened silently", () => {
    const reg = registryRepo(root, {});
    const h = testHome({}, {
      registries: [
        { name: "team", git_url: reg.url, require_signed: true, allowed_signers_file: allowedFile },
        { name: "nofile", git_url: reg.url, require_signed: true, allowed_signers_file: join(root, "missing") },
        { name: "plain", git_url: reg.url },
      ],
    });
    const s = servicesFor(h);
    const r = s.registries.ensureConfigured(s.config.registries);
    expect(r.added).toEqual(["team", "plain"]);
    expect(r.problems).toEqual([{ name: "nofile", message: expect.stringContaining("cannot read the allowed-signers file") }]);
    expect(s.registries.get("team")).toMatchObject({ requireSigned: true, allowedSigners: { signers: [expect.objectContaining({ fingerprint: sshFingerprint(maintKey) })] } });
    expect(s.registries.get("plain").requireSigned).toBe(false);
    const later = s.registries.ensureConfigured([{ name: "plain", git_url: reg.url, ref: "main", require_signed: true, allowed_signers_file: allowedFile }]);
    expect(later.problems).toEqual([{ name: "plain", message: expect.stringContaining("added without") }]);
    expect(s.registries.get("plain").requireSigned).toBe(false);
    s.close();
  });

  test("CLI: registry add --require-signed --allowed-signers, a refused sync, and registry list", async () => {
    const reg = registryRepo(root, { "com.example.a.json": registryEntry(agent("com.example.a")) });
    const h = testHome();
    const add = await runBin(["registry", "add", "signed", reg.url, "--require-signed", "--allowed-signers", allowedFile], h.env);
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    expect(add.stdout).toContain(`maint@example.com ssh-ed25519 ${sshFingerprint(maintKey)}`);

    const sync = await runBin(["registry", "sync", "signed"], h.env);
    expect(sync.code).toBe(1);
    // Progress lines, then the error as one line.
    const errors = sync.stderr.trim().split("\n").filter((l) => l.startsWith("opensentience:"));
    expect(errors).toEqual([expect.stringContaining("refused: the commit is not signed")]);

    const list = await runBin(["registry", "list"], h.env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("signatures required; last check: refused");
    expect(list.stdout).toContain(sshFingerprint(maintKey));

    const half = await runBin(["registry", "add", "other", reg.url, "--require-signed"], h.env);
    expect(half.code).toBe(2);
    expect(half.stderr.trim().split("\n")).toHaveLength(1);
  });
});
