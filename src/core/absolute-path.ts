/**
 * PATH for a child process that starts in a directory someone else wrote (a registry's or an agent's checkout):
 * only its absolute entries. An empty, `.` or relative entry makes a program name — `git`, the `ssh` git starts,
 * `mix` — resolve to a file in that directory, which would run it with the user's rights.
 */
export const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

export function absolutePath(path: string | undefined): string {
  const kept = [...new Set((path ?? "").split(":").filter(isAbsoluteEntry))];
  return kept.length > 0 ? kept.join(":") : DEFAULT_PATH;
}

/** The entries `absolutePath` drops (an empty one is the current directory); none for an unset or empty PATH. */
export function ignoredPathEntries(path: string | undefined): string[] {
  return path ? [...new Set(path.split(":").filter((p) => !isAbsoluteEntry(p)))] : [];
}

const isAbsoluteEntry = (entry: string) => entry.startsWith("/");
