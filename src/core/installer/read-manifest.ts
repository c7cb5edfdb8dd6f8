/**
 * Reads the manifest an install will actually build: from the fetched commit's
 * git objects (remote) or from the agent's directory (local). After install the
 * cloned manifest is authoritative; the registry's copy was only for display.
 */
import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../errors.ts";
import type { Git, Repo } from "../git/git.ts";
import { parseManifestBytes } from "../manifest/parse.ts";
import { type Manifest, MANIFEST_FILENAME } from "../manifest/schema.ts";

const problems = (ps: Array<{ path: string; message: string }>) =>
  ps
    .slice(0, 5)
    .map((p) => `${p.path}: ${p.message}`)
    .join("; ");

export async function readManifestAtCommit(git: Git, repo: Repo, commit: string, manifestPath: string, maxBytes: number): Promise<Manifest> {
  const [entry] = (await git.lsTree(repo, commit, [manifestPath])).filter((e) => e.path === manifestPath);
  if (!entry) throw new AppError("invalid_manifest", `${manifestPath} is missing at commit ${commit.slice(0, 12)}`);
  if (entry.type !== "blob" || (entry.mode !== "100644" && entry.mode !== "100755")) {
    throw new AppError("invalid_manifest", `${manifestPath} is not a regular file at commit ${commit.slice(0, 12)} (symlinks are refused)`);
  }
  if ((entry.size ?? 0) > maxBytes) throw new AppError("invalid_manifest", `${manifestPath} is ${entry.size} bytes, over the ${maxBytes}-byte limit`);
  const bytes = (await git.readBlobs(repo, [entry.oid])).get(entry.oid);
  if (!bytes) throw new AppError("git_failed", `could not read ${manifestPath} at ${commit.slice(0, 12)}`);
  const r = parseManifestBytes(bytes, maxBytes);
  if (!r.ok) throw new AppError("invalid_manifest", `${manifestPath} at ${commit.slice(0, 12)}: ${problems(r.problems)}`);
  return r.manifest;
}

export function readLocalManifest(dir: string, maxBytes: number): Manifest {
  const file = join(dir, MANIFEST_FILENAME);
  let bytes: Uint8Array;
  try {
    if (!lstatSync(file).isFile()) throw new AppError("invalid_manifest", `${file} is not a regular file`);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError("invalid_manifest", `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const r = parseManifestBytes(bytes, maxBytes);
  if (!r.ok) throw new AppError("invalid_manifest", `${file}: ${problems(r.problems)}`);
  return r.manifest;
}
