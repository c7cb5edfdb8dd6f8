import { expect, test } from "bun:test";
import { resolve } from "node:path";
import { dataPaths, expandHome, resolveHome, resolvePath } from "./paths.ts";

test.each([["/a/b"], ["/a/b/"], ["/a//b"], ["/a/./b/../c"], ["/.."], ["/"], ["rel"], ["rel/../x/./y/"], ["./a"], ["../a"], ["a/../../b"], ["/a/b/../../.."]])(
  "resolvePath(%j) matches node's path.resolve",
  (p) => expect(resolvePath(p)).toBe(resolve(p)),
);

test("resolvePath with several parts matches node's path.resolve", () => {
  expect(resolvePath("/x", "y", "../z")).toBe(resolve("/x", "y", "../z"));
  expect(resolvePath("/x", "/abs", "q")).toBe(resolve("/x", "/abs", "q"));
});

test("OPENSENTIENCE_HOME: ~ expands, relative resolves against the cwd, trailing slashes go", () => {
  expect(resolveHome({ OPENSENTIENCE_HOME: "~/os-data/" })).toBe(resolve(expandHome("~/os-data")));
  expect(resolveHome({ OPENSENTIENCE_HOME: "data" })).toBe(resolve("data"));
  expect(resolveHome({ OPENSENTIENCE_HOME: "  /srv/os//  " })).toBe("/srv/os");
  expect(resolveHome({})).toBe(resolve(process.env.HOME!, ".opensentience"));
  expect(dataPaths("/srv/os").agentSocket).toBe("/srv/os/run/agents.sock");
  expect(expandHome("~", "/h")).toBe("/h");
  expect(expandHome("~/x", "/h/")).toBe("/h/x");
  expect(expandHome("a~", "/h")).toBe("a~");
});
