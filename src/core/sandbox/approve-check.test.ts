import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unapprovableHere } from "./approve-check.ts";

const home = mkdtempSync(join(tmpdir(), "os-approve-"));
const data = join(home, ".opensentience");
mkdirSync(join(home, "notes"), { recursive: true });
mkdirSync(join(home, ".ssh"));
mkdirSync(data);
symlinkSync(join(home, ".ssh"), join(home, "innocent"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

test("real paths (and ones that do not exist yet) can be approved; symlinks, / and the data directory cannot", () => {
  expect(unapprovableHere("filesystem:read:~/notes", data, home)).toBeNull();
  expect(unapprovableHere("filesystem:write:~/not-yet", data, home)).toBeNull();
  expect(unapprovableHere("filesystem:read:~/innocent", data, home)).toMatch(/symlink to .*\.ssh/);
  expect(unapprovableHere("filesystem:read:/", data, home)).toMatch(/whole filesystem/);
  expect(unapprovableHere("filesystem:read:~/.opensentience", data, home)).toMatch(/data directory/);
  expect(unapprovableHere("network:egress:example.com", data, home)).toBeNull();
});
