import { describe, expect, test } from "bun:test";
import { COMMANDS } from "./commands.ts";

describe("lazy command table", () => {
  test("every entry's static metadata equals the command its module exports", async () => {
    for (const c of COMMANDS) {
      const real = await c.load();
      const { run: _run, ...meta } = real;
      const { run: _r, load: _l, ...stat } = c;
      expect(stat).toEqual(meta);
      expect(typeof real.run).toBe("function");
    }
  });

  test("command paths are unique", () => {
    const names = COMMANDS.map((c) => c.path.join(" "));
    expect(new Set(names).size).toBe(names.length);
  });
});
