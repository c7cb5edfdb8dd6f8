/**
 * The only place the core runs git. Every call:
 * - validates URLs (`gitUrlProblem`) and refs (`refProblem`) first, and puts
 *   `--end-of-options` before them so nothing user-supplied is read as an option;
 * - runs with the hardened environment and `-c` allowlist (see env.ts): only
 *   https/ssh/file transports, no hooks, no submodules, no prompts, no fsmonitor;
 * - has a deadline (`limits.git_timeout_ms`); the process tree is killed on
 *   expiry and a repository this call created is removed again.
 * Repositories are created with `git init --template=` (no template hooks) and
 * filled with `git fetch` into a private ref, so remote config never applies.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { AppError } from "../errors.ts";
import { gitUrlProblem, maskUrlCredentials } from "./git-url.ts";
import { redactText } from "../redact.ts";
import { gitConfigArgs, hardenedEnv } from "./env.ts";
import { type RunResult, runBounded } from "./process.ts";
import { isFullSha, refProblem } from "./refs.ts";

/** A repository on disk: a bare one (registries) or a work tree (agent sources). */
export interface Repo {
  dir: string;
  bare: boolean;
}

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  oid: string;
  size: number | null;
  path: string;
}

/** One entry of `diffTrees`: modes are "000000" (and oids all zeros) on the side where it is absent. */
export interface TreeChange {
  oldMode: string;
  newMode: string;
  oldOid: string;
  newOid: string;
  /** A (added), D (deleted), M (modified), T (type changed). */
  status: string;
  path: string;
}

export interface GitOptions {
  /** Private HOME for git (inside the data directory). */
  home: string;
  timeoutMs: number;
  /** Caller environment: only PATH and LANG are taken from it. */
  parentEnv?: Record<string, string | undefined>;
}

/** Ref our fetches write to; never a branch, so nothing in the remote can collide. */
export const FETCHED_REF = "refs/opensentience/fetched";

export function assertGitUrl(url: string): void {
  const p = gitUrlProblem(url);
  if (p) throw new AppError("invalid_argument", `invalid git URL ${JSON.stringify(maskUrlCredentials(url).slice(0, 200))}: ${p}`);
}

export function assertRef(ref: string): void {
  const p = refProblem(ref);
  if (p) throw new AppError("invalid_argument", `invalid git ref ${JSON.stringify(ref.slice(0, 200))}: ${p}`);
}

export class Git {
  constructor(private readonly opts: GitOptions) {}

  /** Environment for git processes (exported shape: see hardenedEnv). */
  env(): Record<string, string> {
    return hardenedEnv({ home: this.opts.home, parent: this.opts.parentEnv });
  }

  private homeReady = false;

  private async run(repo: Repo | null, args: string[], what: string, extra: { input?: string; cwd?: string; onStdout?: (c: Uint8Array) => void } = {}): Promise<RunResult> {
    if (!this.homeReady) {
      mkdirSync(this.opts.home, { recursive: true, mode: 0o700 });
      this.homeReady = true;
    }
    const location = repo ? (repo.bare ? [`--git-dir=${repo.dir}`] : ["-C", repo.dir]) : [];
    const argv = ["git", "--no-replace-objects", ...gitConfigArgs(), ...location, ...args];
    let r: RunResult;
    try {
      r = await runBounded(argv, {
        cwd: extra.cwd ?? (repo && !repo.bare ? repo.dir : this.opts.home),
        env: this.env(),
        timeoutMs: this.opts.timeoutMs,
        input: extra.input,
        onStdout: extra.onStdout,
      });
    } catch (e) {
      throw new AppError("git_failed", redactText(`${what}: cannot run git: ${(e as Error).message}`), { cause: e });
    }
    if (r.timedOut) throw new AppError("timeout", redactText(`${what}: git did not finish within ${this.opts.timeoutMs} ms (killed)`));
    return r;
  }

  private async ok(repo: Repo | null, args: string[], what: string, extra: { input?: string; cwd?: string; onStdout?: (c: Uint8Array) => void } = {}): Promise<RunResult> {
    const r = await this.run(repo, args, what, extra);
    if (r.exitCode !== 0) {
      const msg = lastLines(r.stderr) || `exit ${r.exitCode ?? r.signal}`;
      throw new AppError("git_failed", redactText(`${what}: ${msg}`), { details: { stderr: redactText(r.stderr.slice(-4000)) } });
    }
    return r;
  }

  /** Creates an empty repository without template files (so without template hooks). */
  async init(repo: Repo): Promise<void> {
    await this.ok(null, ["init", "--quiet", "--template=", ...(repo.bare ? ["--bare"] : []), "--", repo.dir], `git init ${repo.dir}`);
  }

  /**
   * Fetches `ref` (branch, tag or full commit id) from `url` into FETCHED_REF and
   * returns the commit it resolves to. Full history, no tags, no submodules.
   */
  async fetch(repo: Repo, url: string, ref: string): Promise<string> {
    assertGitUrl(url);
    assertRef(ref);
    await this.ok(
      repo,
      ["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head", "--end-of-options", url, `+${ref}:${FETCHED_REF}`],
      `git fetch ${url} ${ref}`,
    );
    const sha = await this.resolve(repo, FETCHED_REF);
    if (!sha) throw new AppError("git_failed", `git fetch ${url} ${ref}: ref did not resolve to a commit`);
    return sha;
  }

  /**
   * `init` + `fetch` into a directory that must not exist yet; the directory is
   * removed again if anything fails (including the deadline).
   */
  async cloneInto(repo: Repo, url: string, ref: string): Promise<string> {
    assertGitUrl(url);
    assertRef(ref);
    if (existsSync(repo.dir)) throw new AppError("conflict", `${repo.dir} already exists`);
    try {
      await this.init(repo);
      const sha = await this.fetch(repo, url, ref);
      if (!repo.bare) await this.checkout(repo, sha);
      return sha;
    } catch (e) {
      rmSync(repo.dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Detached, forced checkout of a commit; submodules are never touched. */
  async checkout(repo: Repo, sha: string): Promise<void> {
    if (repo.bare) throw new AppError("internal", "checkout in a bare repository");
    if (!isFullSha(sha)) throw new AppError("invalid_argument", `not a full commit id: ${sha}`);
    await this.ok(repo, ["checkout", "--quiet", "--force", "--no-recurse-submodules", "--detach", sha, "--"], `git checkout ${sha}`);
  }

  /** The commit `rev` names, or null when it names none. */
  async resolve(repo: Repo, rev: string): Promise<string | null> {
    const r = await this.run(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`], `git rev-parse ${rev}`);
    const out = new TextDecoder().decode(r.stdout).trim();
    return r.exitCode === 0 && isFullSha(out) ? out : null;
  }

  /**
   * The commit `ref` (branch, tag, HEAD or full commit id) names at `url` now,
   * without fetching any objects (`git ls-remote`), in the order `fetch`
   * resolves a short name; null when the remote has no such ref. A tag is
   * peeled to its commit. Install plans show this before anything is fetched.
   */
  async lsRemote(url: string, ref: string): Promise<string | null> {
    assertGitUrl(url);
    assertRef(ref);
    if (isFullSha(ref)) return ref;
    // The peeled line of an annotated tag is named `<tag>^{}`: ask for it too.
    const r = await this.ok(null, ["ls-remote", "--end-of-options", url, ref, `${ref}^{}`], `git ls-remote ${url} ${ref}`);
    const refs = new Map<string, string>();
    for (const line of new TextDecoder().decode(r.stdout).split("\n")) {
      const [sha, name] = line.split("\t");
      if (sha && name && isFullSha(sha)) refs.set(name, sha);
    }
    const full = ref.startsWith("refs/") || ref === "HEAD" ? [ref] : [`refs/${ref}`, `refs/tags/${ref}`, `refs/heads/${ref}`, `refs/remotes/${ref}`, `refs/remotes/${ref}/HEAD`];
    for (const name of full) {
      const sha = refs.get(`${name}^{}`) ?? refs.get(name);
      if (sha) return sha;
    }
    return null;
  }

  /** True when `ancestor` is `descendant` or one of its ancestors (false when `ancestor` is unknown). */
  async isAncestor(repo: Repo, ancestor: string, descendant: string): Promise<boolean> {
    if (!isFullSha(ancestor) || !isFullSha(descendant)) return false;
    const r = await this.run(repo, ["merge-base", "--is-ancestor", "--end-of-options", ancestor, descendant], "git merge-base");
    return r.exitCode === 0;
  }

  /** Points a private ref at a commit (keeps it from garbage collection). */
  async updateRef(repo: Repo, ref: string, sha: string): Promise<void> {
    if (!ref.startsWith("refs/opensentience/") || !isFullSha(sha)) throw new AppError("internal", `bad update-ref ${ref} ${sha}`);
    await this.ok(repo, ["update-ref", "--no-deref", ref, sha], `git update-ref ${ref}`);
  }

  /**
   * Lists entries of `commit` at the given paths (a trailing `/` lists a directory's children).
   * `long: false` leaves `size` null and skips reading every blob's header (much faster on big trees).
   */
  async lsTree(repo: Repo, commit: string, paths: string[], opts: { long?: boolean } = {}): Promise<TreeEntry[]> {
    if (!isFullSha(commit)) throw new AppError("internal", `lsTree needs a full commit id, got ${commit}`);
    const long = opts.long ?? true;
    const r = await this.ok(repo, ["ls-tree", "-z", ...(long ? ["--long"] : []), "--full-tree", commit, "--", ...paths], `git ls-tree ${commit}`);
    const out: TreeEntry[] = [];
    for (const rec of new TextDecoder().decode(r.stdout).split("\0")) {
      if (!rec) continue;
      const tab = rec.indexOf("\t");
      const m = /^(\d{6}) (blob|tree|commit) ([0-9a-f]{40})(?:\s+(-|\d+))?$/.exec(rec.slice(0, tab));
      if (tab < 0 || !m) continue;
      out.push({ mode: m[1]!, type: m[2] as TreeEntry["type"], oid: m[3]!, size: m[4] === undefined || m[4] === "-" ? null : Number(m[4]), path: rec.slice(tab + 1) });
    }
    return out;
  }

  /** Reads blobs by object id in one `git cat-file --batch` process. */
  async readBlobs(repo: Repo, oids: string[]): Promise<Map<string, Uint8Array>> {
    const result = new Map<string, Uint8Array>();
    const unique = [...new Set(oids)].filter(isFullSha);
    if (unique.length === 0) return result;
    const r = await this.ok(repo, ["cat-file", "--batch"], "git cat-file", { input: `${unique.join("\n")}\n` });
    const buf = r.stdout;
    let pos = 0;
    const dec = new TextDecoder();
    while (pos < buf.length) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      const header = dec.decode(buf.subarray(pos, nl)).split(" ");
      pos = nl + 1;
      if (header[1] === "missing" || header.length < 3) continue;
      const size = Number(header[2]);
      if (header[1] === "blob") result.set(header[0]!, buf.slice(pos, pos + size));
      pos += size + 1;
    }
    return result;
  }

  /**
   * Streams objects by id through one `git cat-file --batch` process, in the
   * order asked. Each object is handed to `onObject` as soon as it is complete
   * and not kept: memory stays bounded by the largest object, not the sum.
   * Objects larger than `maxBytes` are skipped unread (`bytes` null, `size` set);
   * missing ones come with type "missing". `onObject` must not throw.
   */
  async streamObjects(
    repo: Repo,
    oids: string[],
    maxBytes: number,
    onObject: (o: { oid: string; type: string; size: number; bytes: Uint8Array | null }) => void,
  ): Promise<void> {
    const wanted = oids.filter(isFullSha);
    if (wanted.length === 0) return;
    const dec = new TextDecoder();
    // Parser state: reading a header line, or the body (plus its trailing LF) of an object.
    let header: Uint8Array[] = [];
    let body: { oid: string; type: string; size: number; keep: boolean; parts: Uint8Array[]; left: number } | null = null;
    const finish = () => {
      const b = body!;
      body = null;
      let bytes: Uint8Array | null = null;
      if (b.keep) {
        bytes = new Uint8Array(b.size);
        let off = 0;
        for (const p of b.parts) {
          const n = Math.min(p.byteLength, b.size - off);
          bytes.set(p.subarray(0, n), off);
          off += n;
        }
      }
      onObject({ oid: b.oid, type: b.type, size: b.size, bytes });
    };
    const onStdout = (chunk: Uint8Array) => {
      let pos = 0;
      while (pos < chunk.length) {
        if (body) {
          const n = Math.min(body.left, chunk.length - pos);
          if (body.keep) body.parts.push(chunk.subarray(pos, pos + n));
          body.left -= n;
          pos += n;
          if (body.left === 0) finish();
          continue;
        }
        const nl = chunk.indexOf(10, pos);
        if (nl < 0) {
          header.push(chunk.slice(pos));
          if (header.reduce((a, h) => a + h.byteLength, 0) > 4096) header = []; // never a real header
          return;
        }
        header.push(chunk.subarray(pos, nl));
        const line = dec.decode(Buffer.concat(header));
        header = [];
        pos = nl + 1;
        const [oid = "", type = "", sizeText] = line.split(" ");
        if (type === "missing" || sizeText === undefined) {
          onObject({ oid, type: "missing", size: 0, bytes: null });
          continue;
        }
        const size = Number(sizeText);
        // The body is followed by one LF, consumed with it (and dropped by finish()).
        body = { oid, type, size, keep: size <= maxBytes, parts: [], left: size + 1 };
      }
    };
    await this.ok(repo, ["cat-file", "--batch"], "git cat-file", { input: `${wanted.join("\n")}\n`, onStdout });
  }

  /**
   * Non-recursive difference between two trees (`<commit>` or `<commit>:<dir>`):
   * the entries directly in them that were added, deleted or changed (no rename detection).
   */
  async diffTrees(repo: Repo, from: { commit: string; dir?: string }, to: { commit: string; dir?: string }): Promise<TreeChange[]> {
    const treeish = (t: { commit: string; dir?: string }) => {
      if (!isFullSha(t.commit) || (t.dir !== undefined && !/^[A-Za-z0-9_.-]+$/.test(t.dir))) throw new AppError("internal", `bad tree ${t.commit}:${t.dir}`);
      return t.dir === undefined ? t.commit : `${t.commit}:${t.dir}`;
    };
    const r = await this.ok(repo, ["diff-tree", "-z", "--raw", "--no-renames", "--no-commit-id", "--end-of-options", treeish(from), treeish(to)], "git diff-tree");
    const fields = new TextDecoder().decode(r.stdout).split("\0");
    const out: TreeChange[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const m = /^:(\d{6}) (\d{6}) ([0-9a-f]{40}) ([0-9a-f]{40}) ([A-Z])\d*$/.exec(fields[i]!);
      if (!m) throw new AppError("git_failed", `git diff-tree: unexpected output ${JSON.stringify(fields[i]!.slice(0, 80))}`);
      out.push({ oldMode: m[1]!, newMode: m[2]!, oldOid: m[3]!, newOid: m[4]!, status: m[5]!, path: fields[i + 1]! });
    }
    return out;
  }

  /**
   * Checks that `commit` carries an SSH signature by a key in `allowedSignersFile`
   * (`git verify-commit` with git's gpg.format=ssh; ssh-keygen -Y verify does the
   * cryptography). Only the configuration verification needs is added to the
   * hardened set; OpenPGP and X.509 signatures never count (their programs are
   * /bin/false). `detail` is git's own one-line account, or why it failed.
   */
  async verifyCommitSsh(repo: Repo, commit: string, allowedSignersFile: string): Promise<{ ok: boolean; detail: string }> {
    if (!isFullSha(commit)) throw new AppError("internal", `verifyCommitSsh needs a full commit id, got ${commit}`);
    const verifyConfig = [
      ["gpg.format", "ssh"],
      ["gpg.ssh.allowedSignersFile", allowedSignersFile],
      ["gpg.ssh.program", "ssh-keygen"],
      ["gpg.program", "/bin/false"],
      ["gpg.openpgp.program", "/bin/false"],
      ["gpg.x509.program", "/bin/false"],
    ].flatMap(([k, v]) => ["-c", `${k}=${v}`]);
    const r = await this.run(repo, [...verifyConfig, "verify-commit", commit], `git verify-commit ${commit}`);
    const said = lastLines(r.stderr.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ""), 3).slice(0, 500);
    if (r.exitCode === 0) return { ok: true, detail: said || "good signature" };
    if (!said) return { ok: false, detail: "the commit is not signed" };
    if (/cannot run ssh-keygen|ssh-keygen: not found|No such file/i.test(said)) return { ok: false, detail: `cannot verify: ssh-keygen (openssh-client) is not available (${said})` };
    if (/No principal matched/i.test(said)) {
      const key = /key (SHA256:[A-Za-z0-9+/=]+)/.exec(said)?.[1];
      return { ok: false, detail: `signed by ${key ? `key ${key}` : "a key"} that is not in the allowed signers` };
    }
    return { ok: false, detail: redactText(said) };
  }

  /** Commits in `from..to`, newest first, at most `max` (subjects only). */
  async log(repo: Repo, from: string, to: string, max = 50): Promise<Array<{ sha: string; subject: string }>> {
    if (!isFullSha(from) || !isFullSha(to)) return [];
    const r = await this.run(repo, ["log", `--max-count=${max}`, "--format=%H%x09%s", "--end-of-options", `${from}..${to}`, "--"], "git log");
    if (r.exitCode !== 0) return [];
    return new TextDecoder()
      .decode(r.stdout)
      .split("\n")
      .filter(Boolean)
      .map((l) => ({ sha: l.slice(0, 40), subject: l.slice(41, 241) }));
  }
}

function lastLines(s: string, n = 3): string {
  return s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(" / ");
}
