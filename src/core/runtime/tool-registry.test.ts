import { expect, test } from "bun:test";
import { Validator } from "@cfworker/json-schema";
import { simpleSchemaCheck } from "./tool-registry.ts";

const SIMPLE = [
  { type: "object", required: ["text"], properties: { text: { type: "string", description: "what to echo" } } },
  { type: "object", properties: { a: { type: "number" }, b: { type: "integer" }, c: { type: "boolean" } }, required: ["a", "b"], additionalProperties: false },
  { type: "object", title: "t", description: "d", properties: {}, additionalProperties: false },
  { type: "object" },
  { type: "object", required: ["__proto__"], properties: { __proto__: { type: "string" } } },
];
const VALUES: unknown[] = [
  {}, { text: "x" }, { text: 1 }, { text: "x", more: true }, { a: 1, b: 2 }, { a: 1.5, b: 2 }, { a: 1, b: 2.5 }, { a: 1, b: 2, c: false }, { a: 1, b: 2, c: "no" },
  { a: 1, b: 2, d: 0 }, { a: "1", b: 2 }, null, [], "text", 3, [{ text: "x" }], JSON.parse('{"__proto__": "p"}'), JSON.parse('{"__proto__": 1}'), { b: 1e21, a: -0 },
];

test("the quick check agrees with the validator on every value, for every schema it handles", () => {
  for (const schema of SIMPLE) {
    const quick = simpleSchemaCheck(schema);
    expect(quick).not.toBeNull();
    const v = new Validator(schema as never, "2020-12", false);
    for (const value of VALUES) expect([JSON.stringify(schema), JSON.stringify(value), quick!(value)]).toEqual([JSON.stringify(schema), JSON.stringify(value), v.validate(value).valid]);
  }
});

test("any other schema is left to the validator", () => {
  const others = [
    { type: "object", properties: { text: { type: "string", minLength: 1 } } },
    { type: "object", properties: { n: { type: ["number", "null"] } } },
    { type: "object", properties: { o: { type: "object" } } },
    { type: "object", properties: { e: { enum: ["a"] } } },
    { type: "object", additionalProperties: { type: "string" } },
    { type: "object", properties: { s: { type: "string" } }, allOf: [{ required: ["s"] }] },
    { type: "object", $ref: "#/$defs/x", $defs: { x: {} } },
    { type: "object", properties: { s: { $ref: "#" } } },
    { type: "object", properties: { s: { type: "constructor" } } },
    { type: "object", required: "s" },
    { type: "array" },
    { properties: { s: { type: "string" } } },
    true,
    null,
  ];
  for (const s of others) expect(simpleSchemaCheck(s)).toBeNull();
});
