/**
 * Reads a registry commit as pure data, straight from git objects (never from a
 * work tree, so a symlinked entry cannot make us read a file outside the repo).
 * Whole-registry problems throw; per-entry problems are collected by file name.
 */
import { AppError } from "../errors.ts";
import type { Git, Repo } from "../git/git.ts";
import { findForbiddenKey, zodProblems } from "../manifest/parse.ts";
import { validateManifest } from "../manifest/parse.ts";
import { isAgentId } from "../manifest/permissions.ts";
import type { Manifest } from "../manifest/schema.ts";
import { MAX_REGISTRY_ENTRIES, type RegistryEntry, registryEntrySchema, type RegistryFile, registryFileSchema } from "./entry-schema.ts";

export interface EntryError {
  /** Path in the registry repository, e.g. `agents/com.example.x.json`. */
  file: string;
  message: string;
}

export interface ReadEntry {
  file: string;
  entry: RegistryEntry;
  manifest: Manifest;
  /** Unknown manifest fields (display only). */
  extra: Record<string, unknown>;
}

export interface RegistrySnapshot {
  commit: string;
  meta: RegistryFile;
  entries: ReadEntry[];
  errors: EntryError[];
}

const REGULAR_FILE = new Set(["100644", "100755"]);

function decodeJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, message: "not valid UTF-8" };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `not valid JSON: ${(e as Error).message}` };
  }
}

const problemsText = (ps: Array<{ path: string; message: string }>) =>
  ps
    .slice(0, 5)
    .map((p) => `${p.path}: ${p.message}`)
    .join("; ");

export async function readRegistry(git: Git, repo: Repo, commit: string, maxBytes: number): Promise<RegistrySnapshot> {
  const tree = await git.lsTree(repo, commit, ["registry.json", "agents/"]);
  const regFile = tree.find((e) => e.path === "registry.json");
  if (!regFile) throw new AppError("invalid_argument", `registry.json is missing at commit ${commit.slice(0, 12)}`);
  if (regFile.type !== "blob" || !REGULAR_FILE.has(regFile.mode)) throw new AppError("invalid_argument", "registry.json is not a regular file");
  if ((regFile.size ?? 0) > maxBytes) throw new AppError("invalid_argument", `registry.json is ${regFile.size} bytes, over the ${maxBytes}-byte limit`);

  const candidates = tree.filter((e) => e.path.startsWith("agents/") && e.path.endsWith(".json"));
  if (candidates.length > MAX_REGISTRY_ENTRIES) {
    throw new AppError("invalid_argument", `registry has ${candidates.length} entries, over the limit of ${MAX_REGISTRY_ENTRIES}`);
  }
  const errors: EntryError[] = [];
  const toRead: typeof candidates = [];
  for (const e of candidates) {
    const id = e.path.slice("agents/".length, -".json".length);
    if (e.type !== "blob" || !REGULAR_FILE.has(e.mode)) errors.push({ file: e.path, message: "not a regular file (symlinks, directories and submodules are refused)" });
    else if (!isAgentId(id)) errors.push({ file: e.path, message: "file name is not <agent_id>.json with a valid reverse-DNS id" });
    else if ((e.size ?? 0) > maxBytes) errors.push({ file: e.path, message: `file is ${e.size} bytes, over the ${maxBytes}-byte limit` });
    else toRead.push(e);
  }

  const blobs = await git.readBlobs(repo, [regFile.oid, ...toRead.map((e) => e.oid)]);
  const regJson = decodeJson(blobs.get(regFile.oid) ?? new Uint8Array());
  if (!regJson.ok) throw new AppError("invalid_argument", `registry.json: ${regJson.message}`);
  const meta = registryFileSchema.safeParse(regJson.value);
  if (!meta.success) throw new AppError("invalid_argument", `registry.json: ${problemsText(zodProblems(meta.error))}`);

  const entries: ReadEntry[] = [];
  for (const e of toRead) {
    const id = e.path.slice("agents/".length, -".json".length);
    const bytes = blobs.get(e.oid);
    if (!bytes) {
      errors.push({ file: e.path, message: "could not be read" });
      continue;
    }
    const json = decodeJson(bytes);
    if (!json.ok) {
      errors.push({ file: e.path, message: json.message });
      continue;
    }
    const bad = findForbiddenKey(json.value);
    if (bad) {
      errors.push({ file: e.path, message: `${bad}: forbidden key or nested too deep` });
      continue;
    }
    const parsed = registryEntrySchema.safeParse(json.value);
    if (!parsed.success) {
      errors.push({ file: e.path, message: problemsText(zodProblems(parsed.error)) });
      continue;
    }
    if (parsed.data.id !== id) {
      errors.push({ file: e.path, message: `file name says '${id}' but the entry id is '${parsed.data.id}'` });
      continue;
    }
    const m = validateManifest(parsed.data.manifest);
    if (!m.ok) {
      errors.push({ file: e.path, message: `manifest copy: ${problemsText(m.problems)}` });
      continue;
    }
    if (m.manifest.id !== id) {
      errors.push({ file: e.path, message: `manifest copy has id '${m.manifest.id}', entry id is '${id}'` });
      continue;
    }
    entries.push({ file: e.path, entry: parsed.data, manifest: m.manifest, extra: m.extra });
  }
  return { commit, meta: meta.data, entries, errors };
}
