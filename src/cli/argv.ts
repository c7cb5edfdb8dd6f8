/**
 * Strict argv parsing for the CLI: `--name value`, `--name=value`, `-x`,
 * grouped short booleans (`-hf`), repeatable options and `--` ending options.
 *
 * Why not `node:util`'s parseArgs: loading `node:util` is the largest single
 * cost of starting the compiled binary (≈3.3 M instructions under callgrind,
 * about a third of `opensentience --version`), and every command pays it
 * (issue 13, CLI start). The semantics follow parseArgs with `strict: true`
 * and `allowPositionals: true`, except that a misspelt option gets a
 * suggestion.
 */
import { closest } from "./suggest.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** One line for `--help`. */
  description?: string;
}
export type OptionSpecs = Record<string, OptionSpec>;
export type Values = Record<string, string | boolean | string[] | undefined>;

/** A usage problem, without the command it belongs to (the caller adds that). */
export class ArgvError extends Error {}

export function parseArgv(argv: string[], options: OptionSpecs): { values: Values; positionals: string[] } {
  const values: Values = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) if (spec.short) byShort.set(spec.short, name);

  const set = (name: string, value: string | boolean) => {
    const spec = options[name]!;
    if (spec.multiple) values[name] = [...((values[name] as string[] | undefined) ?? []), value as string];
    else values[name] = value;
  };
  const unknown = (shown: string): never => {
    const near = shown.startsWith("--") ? closest(shown.slice(2), Object.keys(options)) : undefined;
    throw new ArgvError(`unknown option '${shown}'${near ? ` (did you mean '--${near}'?)` : ""}`);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const spec = Object.hasOwn(options, name) ? options[name]! : unknown(`--${name}`);
      if (spec.type === "boolean") {
        if (eq !== -1) throw new ArgvError(`option '--${name}' does not take a value`);
        set(name, true);
      } else if (eq !== -1) {
        set(name, arg.slice(eq + 1));
      } else {
        const next = argv[i + 1];
        if (next === undefined) throw new ArgvError(`option '--${name}' needs a value`);
        // `--tail --json` is almost always a forgotten value; a value starting with '-' goes as `--tail=-x`.
        if (next.startsWith("-") && next !== "-") throw new ArgvError(`option '--${name}' needs a value (got '${next}'; write --${name}=${next} if that is the value)`);
        set(name, next);
        i++;
      }
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") {
      const letters = arg.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const name = byShort.get(letters[j]!) ?? unknown(`-${letters[j]}`);
        const spec = options[name]!;
        if (spec.type === "boolean") {
          set(name, true);
          continue;
        }
        // A short string option takes the rest of the group or the next argument (`-t5`, `-t 5`).
        const rest = letters.slice(j + 1);
        const value = rest || argv[++i];
        if (value === undefined) throw new ArgvError(`option '-${letters[j]}' needs a value`);
        set(name, value);
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { values, positionals };
}
