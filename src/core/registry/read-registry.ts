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
import { type RegistryEntry, registryEntrySchema, type RegistryFile, registryFileSchema } from "./entry-schema.ts";

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

/** What the caller keeps of one valid entry (see `ReadOptions.accept`). */
export interface Accepted<T> {
  file: string;
  id: string;
  value: T;
}

export interface ReadOptions<T> {
  /** Per-file (and registry.json) byte limit. */
  maxBytes: number;
  /** More `agents/*.json` files than this refuses the whole registry. */
  maxEntries: number;
  /**
   * Called for each valid entry as soon as its blob is read; returns what to keep
   * (e.g. a catalog row) or `{ problem }` to report the file instead. The parsed
   * entry is not kept, so memory holds the kept values, never every blob.
   */
  accept: (e: ReadEntry) => T | { problem: string };
}

export interface RegistrySnapshot<T> {
  commit: string;
  meta: RegistryFile;
  entries: Array<Accepted<T>>;
  /** Sorted by file. */
  errors: EntryError[];
  /** Number of `agents/*.json` files (valid or not). */
  candidates: number;
}

/** The files of a registry commit that changed since an earlier one, read and checked. */
export interface RegistryChanges<T> {
  commit: string;
  /** The new registry.json when it changed, else null (unchanged). */
  meta: RegistryFile | null;
  /** Every `agents/*.json` path added, changed or deleted: their old rows and errors no longer hold. */
  touched: string[];
  /** Valid entries among the touched files. */
  entries: Array<Accepted<T>>;
  /** Problems of touched files (sorted by file). */
  errors: EntryError[];
  /** `agents/*.json` files added minus files deleted. */
  countDelta: number;
}

const REGULAR_FILE = new Set(["100644", "100755"]);
const TREE_MODE = "040000";

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

const isCandidate = (path: string) => path.startsWith("agents/") && path.endsWith(".json") && !path.slice("agents/".length).includes("/");
const idOf = (path: string) => path.slice("agents/".length, -".json".length);
const byFile = (a: EntryError, b: EntryError) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

/** Problem with a tree entry before reading it (type, then name), or null. */
function treeEntryProblem(path: string, mode: string): string | null {
  if (!REGULAR_FILE.has(mode)) return "not a regular file (symlinks, directories and submodules are refused)";
  if (!isAgentId(idOf(path))) return "file name is not <agent_id>.json with a valid reverse-DNS id";
  return null;
}

/** Validates one entry's bytes: the parsed entry, or the problem. */
function checkEntry(file: string, bytes: Uint8Array): ReadEntry | string {
  const id = idOf(file);
  const json = decodeJson(bytes);
  if (!json.ok) return json.message;
  const bad = findForbiddenKey(json.value);
  if (bad) return `${bad}: forbidden key or nested too deep`;
  const parsed = registryEntrySchema.safeParse(json.value);
  if (!parsed.success) return problemsText(zodProblems(parsed.error));
  if (parsed.data.id !== id) return `file name says '${id}' but the entry id is '${parsed.data.id}'`;
  const m = validateManifest(parsed.data.manifest);
  if (!m.ok) return `manifest copy: ${problemsText(m.problems)}`;
  if (m.manifest.id !== id) return `manifest copy has id '${m.manifest.id}', entry id is '${id}'`;
  return { file, entry: parsed.data, manifest: m.manifest, extra: m.extra };
}

function checkMeta(bytes: Uint8Array | null, size: number, maxBytes: number): RegistryFile {
  if (bytes === null) throw new AppError("invalid_argument", `registry.json is ${size} bytes, over the ${maxBytes}-byte limit`);
  const regJson = decodeJson(bytes);
  if (!regJson.ok) throw new AppError("invalid_argument", `registry.json: ${regJson.message}`);
  const meta = registryFileSchema.safeParse(regJson.value);
  if (!meta.success) throw new AppError("invalid_argument", `registry.json: ${problemsText(zodProblems(meta.error))}`);
  return meta.data;
}

/**
 * Reads `registry.json` (optional) and the given entry blobs in one streaming
 * `git cat-file --batch`, validating each entry as it arrives.
 */
async function readBlobs<T>(
  git: Git,
  repo: Repo,
  regOid: string | null,
  files: Array<{ path: string; oid: string }>,
  opts: ReadOptions<T>,
  entries: Array<Accepted<T>>,
  errors: EntryError[],
): Promise<RegistryFile | null> {
  const wanted = new Map<string, string[]>();
  for (const f of files) wanted.set(f.oid, [...(wanted.get(f.oid) ?? []), f.path]);
  let metaBlob: { bytes: Uint8Array | null; size: number } | null = null;
  const seen = new Set<string>();
  await git.streamObjects(repo, [...(regOid ? [regOid] : []), ...wanted.keys()], opts.maxBytes, (o) => {
    if (o.oid === regOid && metaBlob === null) {
      metaBlob = { bytes: o.type === "blob" ? o.bytes : new Uint8Array(), size: o.size };
      if (!wanted.has(o.oid)) return;
    }
    const paths = wanted.get(o.oid);
    if (!paths || seen.has(o.oid)) return;
    seen.add(o.oid);
    for (const file of paths) {
      try {
        if (o.type !== "blob") errors.push({ file, message: "could not be read" });
        else if (o.bytes === null) errors.push({ file, message: `file is ${o.size} bytes, over the ${opts.maxBytes}-byte limit` });
        else {
          const e = checkEntry(file, o.bytes);
          if (typeof e === "string") errors.push({ file, message: e });
          else {
            const v = opts.accept(e);
            if (v && typeof v === "object" && "problem" in v) errors.push({ file, message: (v as { problem: string }).problem });
            else entries.push({ file, id: idOf(file), value: v as T });
          }
        }
      } catch (err) {
        errors.push({ file, message: `could not be checked: ${(err as Error).message}` });
      }
    }
  });
  for (const [oid, paths] of wanted) if (!seen.has(oid)) for (const file of paths) errors.push({ file, message: "could not be read" });
  if (!regOid) return null;
  const mb = metaBlob as { bytes: Uint8Array | null; size: number } | null;
  if (!mb) throw new AppError("invalid_argument", "registry.json could not be read");
  return checkMeta(mb.bytes, mb.size, opts.maxBytes);
}

/** Reads a whole registry commit (first sync, or when no earlier state can be trusted). */
export async function readRegistry<T>(git: Git, repo: Repo, commit: string, opts: ReadOptions<T>): Promise<RegistrySnapshot<T>> {
  const tree = await git.lsTree(repo, commit, ["registry.json", "agents/"], { long: false });
  const regFile = tree.find((e) => e.path === "registry.json");
  if (!regFile) throw new AppError("invalid_argument", `registry.json is missing at commit ${commit.slice(0, 12)}`);
  if (regFile.type !== "blob" || !REGULAR_FILE.has(regFile.mode)) throw new AppError("invalid_argument", "registry.json is not a regular file");

  const candidates = tree.filter((e) => isCandidate(e.path));
  if (candidates.length > opts.maxEntries) {
    throw new AppError("invalid_argument", `registry has ${candidates.length} entries, over the limit of ${opts.maxEntries} (limits.max_registry_entries)`);
  }
  const errors: EntryError[] = [];
  const toRead: Array<{ path: string; oid: string }> = [];
  for (const e of candidates) {
    const problem = treeEntryProblem(e.path, e.type === "blob" ? e.mode : TREE_MODE);
    if (problem) errors.push({ file: e.path, message: problem });
    else toRead.push({ path: e.path, oid: e.oid });
  }
  const entries: Array<Accepted<T>> = [];
  const meta = await readBlobs(git, repo, regFile.oid, toRead, opts, entries, errors);
  return { commit, meta: meta!, entries, errors: errors.sort(byFile), candidates: candidates.length };
}

/**
 * Reads only what changed between `prev` and `commit` (two non-recursive tree
 * diffs, then the changed blobs in one `git cat-file --batch`). Returns null
 * when the layout changed in a way only a full read handles (agents/ appeared,
 * vanished or is not a directory); throws like `readRegistry` for a bad registry.json.
 */
export async function readRegistryChanges<T>(git: Git, repo: Repo, prev: string, commit: string, opts: ReadOptions<T>): Promise<RegistryChanges<T> | null> {
  const top = await git.diffTrees(repo, { commit: prev }, { commit });
  const reg = top.find((c) => c.path === "registry.json");
  const agentsDir = top.find((c) => c.path === "agents");
  if (agentsDir && (agentsDir.oldMode !== TREE_MODE || agentsDir.newMode !== TREE_MODE)) return null;
  if (reg) {
    if (reg.newMode === "000000") throw new AppError("invalid_argument", `registry.json is missing at commit ${commit.slice(0, 12)}`);
    if (!REGULAR_FILE.has(reg.newMode)) throw new AppError("invalid_argument", "registry.json is not a regular file");
  }
  const changes = agentsDir ? await git.diffTrees(repo, { commit: prev, dir: "agents" }, { commit, dir: "agents" }) : [];
  const touched: string[] = [];
  let countDelta = 0;
  const errors: EntryError[] = [];
  const toRead: Array<{ path: string; oid: string }> = [];
  for (const c of changes) {
    const path = `agents/${c.path}`;
    if (!isCandidate(path)) continue;
    touched.push(path);
    if (c.oldMode === "000000") countDelta++;
    if (c.newMode === "000000") {
      countDelta--;
      continue;
    }
    const problem = treeEntryProblem(path, c.newMode);
    if (problem) errors.push({ file: path, message: problem });
    else toRead.push({ path, oid: c.newOid });
  }
  const entries: Array<Accepted<T>> = [];
  const meta = await readBlobs(git, repo, reg ? reg.newOid : null, toRead, opts, entries, errors);
  return { commit, meta, touched, entries, errors: errors.sort(byFile), countDelta };
}
