import { describe, expect, test } from "bun:test";
import { AppError } from "../errors.ts";
import { argumentProblem, argumentRows, argumentsFromPairs, exampleArguments } from "./tool-arguments.ts";

const count = {
  type: "object",
  required: ["n"],
  additionalProperties: false,
  properties: {
    label: { type: "string", description: "Shown before each number" },
    n: { type: "integer", minimum: 1, maximum: 10, description: "How many" },
    mode: { enum: ["fast", "slow"] },
    tags: { type: "array", items: { type: "string" } },
    opts: { type: "object", properties: { x: { type: "number" } } },
    maybe: { type: ["number", "null"] },
    on: { type: "boolean", default: false },
  },
};

function usageMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe("usage");
    return (e as Error).message;
  }
  throw new Error("did not throw");
}

describe("argumentRows", () => {
  test("top-level properties as name/type/required/description, required first", () => {
    expect(argumentRows(count)).toEqual([
      { name: "n", type: "integer", required: true, description: "How many" },
      { name: "label", type: "string", required: false, description: "Shown before each number" },
      { name: "mode", type: '"fast"|"slow"', required: false, description: "" },
      { name: "tags", type: "array of string", required: false, description: "" },
      { name: "opts", type: "object", required: false, description: "" },
      { name: "maybe", type: "number|null", required: false, description: "" },
      { name: "on", type: "boolean", required: false, description: "" },
    ]);
  });

  test("hostile or odd schemas: no crash; an undescribed required name is still listed", () => {
    expect(argumentRows({})).toEqual([]);
    expect(argumentRows({ properties: "x", required: "y" })).toEqual([]);
    expect(argumentRows({ properties: { a: null, b: 3 }, required: ["c", 7] })).toEqual([
      { name: "c", type: "any", required: true, description: "" },
      { name: "a", type: "any", required: false, description: "" },
      { name: "b", type: "any", required: false, description: "" },
    ]);
  });
});

describe("exampleArguments", () => {
  test("required properties with a placeholder of their type; all properties when none is required", () => {
    expect(exampleArguments(count)).toEqual({ n: 1 });
    expect(exampleArguments({ properties: { text: { type: "string" }, on: { type: "boolean", default: false }, m: { enum: ["a", "b"] } } })).toEqual({ text: "<text>", on: false, m: "a" });
  });
});

describe("argumentsFromPairs", () => {
  test("values take the schema's type; undeclared and string properties stay strings; later pairs win", () => {
    expect(argumentsFromPairs(["n=3", "label=n=", "mode=fast", 'tags=["a"]', 'opts={"x":1}', "maybe=null", "on=true", "extra=5", "n=4"], count)).toEqual({
      n: 4,
      label: "n=",
      mode: "fast",
      tags: ["a"],
      opts: { x: 1 },
      maybe: null,
      on: true,
      extra: "5",
    });
    expect(argumentsFromPairs(["n=2"], count, { label: "x" })).toEqual({ label: "x", n: 2 });
  });

  test("a value that cannot be the declared type names the argument", () => {
    expect(usageMessage(() => argumentsFromPairs(["n=abc"], count))).toBe('--arg n: expected an integer, got "abc"');
    expect(usageMessage(() => argumentsFromPairs(["n=1.5"], count))).toBe('--arg n: expected an integer, got "1.5"');
    expect(usageMessage(() => argumentsFromPairs(["on=yes"], count))).toBe('--arg on: expected a boolean, got "yes"');
    expect(usageMessage(() => argumentsFromPairs(["tags=a,b"], count))).toBe('--arg tags: expected a JSON array, got "a,b"');
    expect(usageMessage(() => argumentsFromPairs(["maybe=x"], count))).toBe('--arg maybe: expected a number or null, got "x"');
    expect(usageMessage(() => argumentsFromPairs(["novalue"], count))).toBe('--arg must look like NAME=VALUE, got "novalue"');
    expect(usageMessage(() => argumentsFromPairs(["=1"], count))).toContain("NAME=VALUE");
    expect(usageMessage(() => argumentsFromPairs(["__proto__={}"], count))).toContain("__proto__");
  });
});

describe("argumentProblem", () => {
  test("valid → null", () => {
    expect(argumentProblem(count, { n: 3, mode: "slow", opts: { x: 2 } })).toBeNull();
  });

  test.each([
    [{}, "missing required argument 'n'"],
    [{ n: "3" }, "argument 'n' must be integer, got \"3\""],
    [{ n: 3, mode: "medium" }, 'argument \'mode\' must be one of "fast"|"slow", got "medium"'],
    [{ n: 3, colour: "red" }, "unknown argument 'colour' (accepted: label, n, mode, tags, opts, maybe, on)"],
    [{ n: 3, opts: { x: "s" } }, "argument 'opts.x': "],
    [{ n: 30 }, "argument 'n': "],
    [[1], "the arguments must be a JSON object, got an array"],
    ["x", "the arguments must be a JSON object, got string"],
  ])("%j → one line naming the field", (args, msg) => {
    const p = argumentProblem(count, args)!;
    expect(p).toStartWith(msg);
    expect(p).not.toContain("\n");
    expect(p).not.toContain("Instance does not have required property");
  });

  test("several missing required arguments are all named", () => {
    expect(argumentProblem({ type: "object", required: ["a", "b"], properties: {} }, {})).toBe("missing required arguments 'a', 'b'");
  });

  test("a schema the validator cannot evaluate is left to the router (null)", () => {
    expect(argumentProblem({ $ref: "#/nowhere" }, {})).toBeNull();
  });
});
