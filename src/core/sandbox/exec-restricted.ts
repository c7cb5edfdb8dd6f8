/**
 * `opensentience __exec-restricted --allow-exec FILE ... -- PROGRAM ARGS...`:
 * the step between the daemon and bubblewrap for an agent WITHOUT
 * `process:spawn`. It turns on a Landlock ruleset in which only the listed
 * files may be executed (bwrap itself, then ERTS's erlexec, beam.smp and
 * erl_child_setup), then replaces itself with PROGRAM. Landlock domains are
 * inherited across exec and by every child, and bwrap cannot lift them, so a
 * `System.cmd`, `:os.cmd`, port or NIF-started `execve` of anything else in the
 * agent fails with EACCES — including a binary the agent wrote into its own
 * data directory or /tmp. Everything else (reads, writes) is left to bwrap.
 *
 * Uses the kernel ABI directly through bun:ffi (libc `syscall`, `prctl`,
 * `open`, `execve`): no helper binary to ship. Linux only.
 */
import { dlopen, FFIType, ptr, type Pointer, read } from "bun:ffi";

const SYS_landlock_create_ruleset = 444;
const SYS_landlock_add_rule = 445;
const SYS_landlock_restrict_self = 446;
const LANDLOCK_CREATE_RULESET_VERSION = 1;
const LANDLOCK_RULE_PATH_BENEATH = 1;
const LANDLOCK_ACCESS_FS_EXECUTE = 1n;
const PR_SET_NO_NEW_PRIVS = 38;
const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000;

function libc() {
  return dlopen("libc.so.6", {
    // syscall(nr, a1..a4): pointers are passed as their addresses.
    syscall: { args: [FFIType.i64, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i64 },
    prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
    open: { args: [FFIType.cstring, FFIType.i32], returns: FFIType.i32 },
    execve: { args: [FFIType.cstring, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  }).symbols;
}

type Libc = ReturnType<typeof libc>;

const cstr = (s: string) => Buffer.from(`${s}\0`, "utf8");

function errno(c: Libc): number {
  const p = c.__errno_location();
  return p ? read.i32(p, 0) : 0;
}

/** The Landlock ABI version the kernel offers, or 0 when it has none (or this is not Linux). */
export function landlockAbi(): number {
  if (process.platform !== "linux") return 0;
  try {
    const r = Number(libc().syscall(SYS_landlock_create_ruleset, 0, 0, LANDLOCK_CREATE_RULESET_VERSION, 0));
    return r > 0 ? r : 0;
  } catch {
    return 0;
  }
}

/** A NULL-terminated array of C strings, kept alive by the returned buffers. */
function cArray(items: string[]): { array: Pointer; keep: unknown[] } {
  const strings = items.map(cstr);
  const arr = new BigUint64Array(items.length + 1);
  strings.forEach((b, i) => (arr[i] = BigInt(ptr(b))));
  return { array: ptr(arr), keep: [strings, arr] };
}

/** Parses argv after `__exec-restricted`, restricts execution, execs. Returns only on failure (exit code). */
export function execRestricted(argv: string[], env: Record<string, string | undefined> = process.env): number {
  const allow: string[] = [];
  let i = 0;
  for (; i < argv.length && argv[i] !== "--"; i++) {
    if (argv[i] === "--allow-exec" && argv[i + 1]) allow.push(argv[++i]!);
    else return fail(`unexpected argument ${JSON.stringify(argv[i])}`);
  }
  const command = argv.slice(i + 1);
  if (!command.length || !allow.length) return fail("usage: __exec-restricted --allow-exec FILE... -- PROGRAM ARGS...");
  const c = libc();
  if (c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) !== 0) return fail(`prctl(NO_NEW_PRIVS) failed (errno ${errno(c)})`);
  const attr = new BigUint64Array([LANDLOCK_ACCESS_FS_EXECUTE]);
  const ruleset = Number(c.syscall(SYS_landlock_create_ruleset, ptr(attr), 8, 0, 0));
  if (ruleset < 0) return fail(`Landlock is not available (errno ${errno(c)})`);
  for (const file of allow) {
    const fd = c.open(cstr(file), O_PATH | O_CLOEXEC);
    if (fd < 0) return fail(`cannot open ${file} (errno ${errno(c)})`);
    // struct landlock_path_beneath_attr { __u64 allowed_access; __s32 parent_fd; } __attribute__((packed))
    const rule = Buffer.alloc(12);
    rule.writeBigUInt64LE(LANDLOCK_ACCESS_FS_EXECUTE, 0);
    rule.writeInt32LE(fd, 8);
    if (Number(c.syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, ptr(rule), 0)) !== 0) return fail(`cannot allow ${file} (errno ${errno(c)})`);
  }
  if (Number(c.syscall(SYS_landlock_restrict_self, ruleset, 0, 0, 0)) !== 0) return fail(`landlock_restrict_self failed (errno ${errno(c)})`);
  const args = cArray(command);
  const envp = cArray(Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`])));
  c.execve(cstr(command[0]!), args.array, envp.array);
  return fail(`cannot execute ${command[0]} (errno ${errno(c)})`);
}

function fail(message: string): number {
  process.stderr.write(`opensentience sandbox: ${message}\n`);
  return 126;
}
