import { ArgvError, type OptionSpecs, parseArgv, type Values } from "./argv.ts";
import type { Config, loadConfig } from "../core/config/load.ts";
import { AppError } from "../core/errors.ts";
import type { Services } from "../core/services.ts";
import type { DaemonClient } from "../client/daemon-client.ts";
import type { Target, TargetResolver } from "./target.ts";
import type { Io } from "./output.ts";

type Options = OptionSpecs;
export type { Values };

export interface CommandContext {
  io: Io;
  env: Record<string, string | undefined>;
  values: Values;
  positionals: string[];
  json: boolean;
  config(): Config;
  /**
   * Where the command's work happens: the running daemon (which owns all
   * state) when there is one, else this process on the data directory —
   * holding the daemon's lock when `write` is set, so the two never write at
   * once. Local services are closed and the lock released after the command.
   */
  target(opts: { write: boolean }): Promise<Target>;
  /** The running daemon's client; `daemon_not_running` when there is none. */
  daemon(): DaemonClient;
}

export interface Command {
  /** Words that select the command, e.g. ["agents", "list"]. */
  path: string[];
  summary: string;
  /** Argument synopsis after the command words, e.g. "QUERY [--capability C]". */
  usage?: string;
  options?: Options;
  args?: { min: number; max: number };
  /**
   * The command reaches state only through `ctx.target()`, so the dispatcher
   * starts it without loading config validation, the daemon client and the
   * services (they load on the first `target()`); `config()` and `daemon()`
   * are unavailable before that. For cheap read commands (`agents list`).
   */
  lazyContext?: boolean;
  run(ctx: CommandContext): Promise<number | undefined> | number | undefined;
}

export const GLOBAL_OPTIONS: Options = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

export function parseCommandArgs(cmd: Command, argv: string[]): { values: Values; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgv(argv, { ...GLOBAL_OPTIONS, ...cmd.options });
  } catch (e) {
    if (!(e instanceof ArgvError)) throw e;
    throw new AppError("usage", `${e.message} (see: opensentience ${cmd.path.join(" ")} --help)`);
  }
  const { min, max } = cmd.args ?? { min: 0, max: 0 };
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    const want = min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min}-${max}`;
    throw new AppError("usage", `'${cmd.path.join(" ")}' takes ${want} argument${want === "1" ? "" : "s"}, got ${n} (usage: opensentience ${cmd.path.join(" ")} ${cmd.usage ?? ""})`.trimEnd());
  }
  return parsed;
}

/** What a context needs to reach state: config loading (zod) and the target resolver (daemon client, services). */
export interface ContextDeps {
  loadConfig: typeof loadConfig;
  TargetResolver: typeof TargetResolver;
}

export async function loadContextDeps(): Promise<ContextDeps> {
  const [{ loadConfig }, { TargetResolver }] = await Promise.all([import("../core/config/load.ts"), import("./target.ts")]);
  return { loadConfig, TargetResolver };
}

/** `deps` omitted (a `lazyContext` command): they load on the first `target()`. */
export function makeContext(io: Io, env: Record<string, string | undefined>, values: Values, positionals: string[], command = "", deps?: ContextDeps): CommandContext & { dispose(): void } {
  let d = deps;
  const need = (): ContextDeps => {
    if (!d) throw new AppError("internal", `'${command}' used its config or daemon before target(): it must not be a lazyContext command`);
    return d;
  };
  let config: Config | undefined;
  const cfg = () => (config ??= need().loadConfig({ env }));
  let resolver: TargetResolver | undefined;
  const targets = () => (resolver ??= new (need().TargetResolver)(cfg(), env, command, (m) => io.err(m)));
  return {
    io,
    env,
    values,
    positionals,
    json: values.json === true,
    config: cfg,
    target: async (opts) => {
      d ??= await loadContextDeps();
      return targets().resolve(opts);
    },
    daemon: () => targets().daemon(),
    dispose: () => resolver?.dispose(),
  };
}

export type { Services };

/** Reads an integer option, with a usage error naming the flag. */
export function intOption(values: Values, name: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !Number.isInteger(n) || n < min || n > max) {
    throw new AppError("usage", `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function stringOption(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}
