/** Turns a manifest entrypoint into the argv to spawn, inside the install dir. */
import { resolve, sep } from "node:path";
import { AppError } from "../errors.ts";
import type { Manifest } from "../manifest/schema.ts";

export function entrypointArgv(manifest: Pick<Manifest, "entrypoint">, installPath: string): string[] {
  const ep = manifest.entrypoint;
  switch (ep.type) {
    case "mix":
      return ["mix", ep.task, ...ep.args];
    case "mix_run":
      return ["mix", "run", "--no-halt", ...ep.args];
    case "release": {
      const bin = resolve(installPath, ep.path);
      if (!bin.startsWith(installPath.endsWith(sep) ? installPath : installPath + sep)) {
        throw new AppError("invalid_manifest", `entrypoint path ${ep.path} leaves the install directory`);
      }
      return [bin, ...ep.args];
    }
  }
}
