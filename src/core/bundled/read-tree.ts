/**
 * Bundle-time readers for the trees the binary carries (the Elixir SDK and the
 * example agents). Imported `with { type: "macro" }` from `bundled.ts`: Bun runs
 * these functions while transpiling (for `bun build --compile`, `bun run` and
 * `bun test` alike) and inlines the returned `{path: contents}` maps, so the
 * compiled binary needs no checkout. Nothing here runs inside the binary.
 *
 * Missing directories give an empty tree (sdk/ and examples/ may not exist yet
 * in a fresh checkout); an oversized or runaway tree fails the build loudly.
 */
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

/** Directory names never embedded, at any depth (build output, fetched deps, VCS, editor state). */
const SKIP_DIRS = new Set(["_build", "deps", ".git", ".elixir_ls", "node_modules", "cover", "doc", ".fetch", "tmp"]);
/** Directory names skipped at the top of each tree only: tests need the SDK's test support, not the user. */
const SKIP_TOP_DIRS = new Set(["test"]);
const SKIP_FILE_RE = /(^erl_crash\.dump$|\.(beam|ez|swp|tmp)$|^\.DS_Store$)/;
const MAX_FILE_BYTES = 1_048_576;
const MAX_TREE_BYTES = 16 * 1_048_576;
const MAX_FILES = 5000;

/** Repository root, from this file's location (src/core/bundled). */
const REPO_ROOT = resolve(import.meta.dir, "../../..");

export interface EmbeddedTree {
  /** Relative POSIX path → UTF-8 contents. */
  files: Record<string, string>;
  /** First 12 hex digits of a SHA-256 over every path and content, in sorted order. */
  hash: string;
}

export interface EmbeddedSdk extends EmbeddedTree {
  /** `@version` from the SDK's mix.exs, or "0.0.0" when absent. */
  version: string;
}

/** Reads `<repo>/<rel>` into a path → contents map. Exported for the test; the binary only sees the macros below. */
export function readTree(rel: string, root = REPO_ROOT): EmbeddedTree {
  const base = resolve(root, rel);
  const files: Record<string, string> = {};
  let total = 0;
  let count = 0;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const visit = (dir: string, depth: number, topOfTree: boolean) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return; // missing (or unreadable) directory: nothing to embed
    }
    for (const name of names) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) continue; // never follow: the tree must be what is checked in
      if (st.isDirectory()) {
        if (SKIP_DIRS.has(name) || (topOfTree && SKIP_TOP_DIRS.has(name))) continue;
        if (depth > 32) throw new Error(`embedding ${rel}: ${p} is nested too deep`);
        visit(p, depth + 1, false);
        continue;
      }
      if (!st.isFile() || SKIP_FILE_RE.test(name)) continue;
      if (st.size > MAX_FILE_BYTES) throw new Error(`embedding ${rel}: ${p} is ${st.size} bytes, over ${MAX_FILE_BYTES}`);
      let text: string;
      try {
        text = decoder.decode(readFileSync(p));
      } catch {
        continue; // not text: the SDK and examples are source only
      }
      total += st.size;
      count += 1;
      if (total > MAX_TREE_BYTES || count > MAX_FILES) throw new Error(`embedding ${rel}: more than ${MAX_FILES} files or ${MAX_TREE_BYTES} bytes`);
      files[relative(base, p).split(sep).join("/")] = text;
    }
  };
  visit(base, 0, true);
  return { files, hash: treeHash(files) };
}

/** Like `readTree`, but "top of tree" is each direct subdirectory (one example agent each). */
export function readTreeOfProjects(rel: string, root = REPO_ROOT): EmbeddedTree {
  const base = resolve(root, rel);
  const files: Record<string, string> = {};
  let names: string[] = [];
  try {
    names = readdirSync(base).sort();
  } catch {
    return { files, hash: treeHash(files) };
  }
  for (const name of names) {
    const st = lstatSync(join(base, name));
    if (st.isSymbolicLink() || SKIP_DIRS.has(name)) continue;
    if (st.isDirectory()) {
      for (const [p, text] of Object.entries(readTree(join(rel, name), root).files)) files[`${name}/${p}`] = text;
    } else if (st.isFile() && st.size <= MAX_FILE_BYTES && !SKIP_FILE_RE.test(name)) {
      files[name] = readFileSync(join(base, name), "utf8"); // e.g. examples/README.md
    }
  }
  return { files, hash: treeHash(files) };
}

export function treeHash(files: Record<string, string>): string {
  const h = createHash("sha256");
  for (const p of Object.keys(files).sort()) h.update(p).update("\0").update(files[p]!).update("\0");
  return h.digest("hex").slice(0, 12);
}

/** The SDK's version as its mix.exs declares it (`@version "x.y.z"`). */
export function sdkVersion(mixExs: string | undefined): string {
  const m = /@version\s+"(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)"/.exec(mixExs ?? "");
  return m ? m[1]! : "0.0.0";
}

/** Macro: the Elixir SDK (`sdk/elixir`: mix.exs, lib/**, README …; no _build, deps or test). */
export function embeddedSdkTree(): EmbeddedSdk {
  const tree = readTree("sdk/elixir");
  return { ...tree, version: sdkVersion(tree.files["mix.exs"]) };
}

/** Macro: the example agents (`examples/<name>/…`, same exclusions per agent). */
export function embeddedExamplesTree(): EmbeddedTree {
  return readTreeOfProjects("examples");
}
