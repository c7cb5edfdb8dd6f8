import { describe, expect, test } from "bun:test";
import { ArgvError, type OptionSpecs, parseArgv } from "./argv.ts";

const OPTS: OptionSpecs = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  follow: { type: "boolean", short: "f" },
  tail: { type: "string", short: "t" },
  approve: { type: "string", multiple: true },
};

describe("parseArgv (node:util parseArgs semantics, strict, positionals allowed)", () => {
  test.each([
    [["--json"], { json: true }, []],
    [["-h"], { help: true }, []],
    [["-hf"], { help: true, follow: true }, []],
    [["a", "--tail", "5", "b"], { tail: "5" }, ["a", "b"]],
    [["--tail=5", "b"], { tail: "5" }, ["b"]],
    [["--tail="], { tail: "" }, []],
    [["--tail=--x"], { tail: "--x" }, []],
    [["-t5"], { tail: "5" }, []],
    [["-t", "5"], { tail: "5" }, []],
    [["-ft", "5"], { follow: true, tail: "5" }, []],
    [["--tail", "-"], { tail: "-" }, []],
    [["--", "--json", "-h"], {}, ["--json", "-h"]],
    [["-"], {}, ["-"]],
    [["--approve", "a", "--approve=b"], { approve: ["a", "b"] }, []],
    [["--json", "--json"], { json: true }, []],
  ])("%j", (argv, values, positionals) => {
    expect(parseArgv(argv as string[], OPTS)).toEqual({ values, positionals: positionals as string[] });
  });

  test.each([
    [["--nope"], "unknown option '--nope'"],
    [["--tial", "5"], "unknown option '--tial' (did you mean '--tail'?)"],
    [["-z"], "unknown option '-z'"],
    [["-hz"], "unknown option '-z'"],
    [["--json=1"], "option '--json' does not take a value"],
    [["--tail"], "option '--tail' needs a value"],
    [["--tail", "--json"], "option '--tail' needs a value (got '--json'; write --tail=--json if that is the value)"],
    [["-t"], "option '-t' needs a value"],
    [["--constructor"], "unknown option '--constructor'"],
    [["--__proto__=x"], "unknown option '--__proto__'"],
  ])("%j is refused: %s", (argv, message) => {
    const run = () => parseArgv(argv as string[], OPTS);
    expect(run).toThrow(ArgvError);
    expect(run).toThrow(message);
  });
});
