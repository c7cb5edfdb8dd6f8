/**
 * Installing builds with mix (issue 17, finding 8): without Elixir on PATH an
 * install used to show its plan, ask, fetch, and only then fail, recording
 * `install_failed` at a directory that was never made. This check runs first,
 * before any plan is shown or anything is fetched or recorded.
 */
import { AppError } from "../errors.ts";

export const GET_ELIXIR = "install Elixir 1.14+ (Debian/Ubuntu: apt-get install -y elixir; macOS: brew install elixir; others: https://elixir-lang.org/install.html), then check with: opensentience doctor";

/** Throws `build_failed` naming what is missing and how to get it when `mix` or `elixir` is not on `PATH`. */
export function requireBuildToolchain(id: string, path: string | undefined): void {
  const missing = ["mix", "elixir"].filter((cmd) => !Bun.which(cmd, { PATH: path ?? "/usr/local/bin:/usr/bin:/bin" }));
  if (missing.length) throw new AppError("build_failed", `cannot install ${id}: ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not on PATH (agents are built with mix); ${GET_ELIXIR}`);
}
