import { expect, test } from "bun:test";
import { ToolRegistry } from "./tool-registry.ts";

const spec = (name: string, permissions: string[] = []) => ({ name, description: "", input_schema: { type: "object" }, permissions, streaming: false, cancellable: false }) as never;

test("a registration's rejections are kept per agent until it registers again or its run ends", () => {
  const r = new ToolRegistry();
  r.register("a.one", [spec("ok"), spec("write", ["filesystem:write:/x"])], new Set());
  r.register("a.two", [spec("ok")], new Set());
  expect(r.rejected("a.one")).toEqual([{ name: "write", reason: "permission 'filesystem:write:/x' is not requested by the agent's manifest" }]);
  expect(r.rejected("a.two")).toEqual([]);
  expect(r.rejectedAll().map((x) => `${x.agentId}/${x.name}`)).toEqual(["a.one/write"]);
  expect(r.rejectedAll("a.two")).toEqual([]);
  r.register("a.one", [spec("ok"), spec("write", ["filesystem:write:/x"])], new Set(["filesystem:write:/x"]));
  expect(r.rejected("a.one")).toEqual([]);
  r.register("a.one", [spec("dup"), spec("dup")], new Set());
  expect(r.rejected("a.one")).toEqual([{ name: "dup", reason: "duplicate tool name 'dup'" }]);
  r.forgetRejected("a.one");
  expect(r.rejectedAll()).toEqual([]);
});
