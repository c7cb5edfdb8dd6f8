import { AppError } from "../core/errors.ts";
import { readSignersFile } from "../core/registry/signers-store.ts";
import type { Command } from "./command.ts";
import { stringOption } from "./command.ts";
import { clean, printJson } from "./output.ts";

export const registryAdd: Command = {
  path: ["registry", "add"],
  summary: "Add a git-backed agent registry (then run: registry sync NAME)",
  usage: "NAME GIT_URL [--ref REF] [--require-signed --allowed-signers FILE]",
  options: { ref: { type: "string", description: "Git branch or tag to follow" }, "require-signed": { type: "boolean", description: "Accept only commits signed by an allowed signer" }, "allowed-signers": { type: "string", description: "ssh allowed_signers FILE for --require-signed" } },
  args: { min: 2, max: 2 },
  async run(ctx) {
    const [name, gitUrl] = ctx.positionals as [string, string];
    const ref = stringOption(ctx.values, "ref");
    const requireSigned = ctx.values["require-signed"] === true;
    const signersFile = stringOption(ctx.values, "allowed-signers");
    if (requireSigned !== (signersFile !== undefined)) throw new AppError("usage", "--require-signed and --allowed-signers FILE go together");
    // Read here, so the daemon never opens a path a request names.
    const allowedSigners = signersFile !== undefined ? readSignersFile(signersFile) : undefined;
    const t = await ctx.target({ write: true });
    const info =
      t.kind === "daemon"
        ? await t.client.addRegistry({ name, git_url: gitUrl, ...(ref ? { ref } : {}), ...(requireSigned ? { require_signed: true, allowed_signers: allowedSigners } : {}) })
        : t.services.registries.add({ name, gitUrl, ref, requireSigned, allowedSigners }, { actor: "cli" });
    if (ctx.json) printJson(ctx.io, info);
    else {
      const lines = [`Added registry ${info.name} (${info.gitUrl} @ ${info.ref}). Next: opensentience registry sync ${info.name}`];
      if (info.allowedSigners) {
        lines.push(`  heads must be signed by one of (copied to ${info.allowedSigners.path}):`);
        for (const k of info.allowedSigners.signers) lines.push(`    ${clean(k.principals)} ${k.keyType} ${k.fingerprint}`);
      }
      ctx.io.out(lines.join("\n"));
    }
    return 0;
  },
};
