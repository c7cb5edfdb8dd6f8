/**
 * May a registry entry point at a repository on this machine? Policy as data:
 * one pure decision used at sync (the entry is refused and reported) and at
 * install and update (a listing synced before the policy applied is still
 * refused).
 *
 * A `file://` agent source is a path on this machine. Coming from a registry
 * that is itself local (the examples, a team's checkout) it names code the
 * user already has; coming from a remote registry it lets whoever controls
 * that registry make the daemon fetch — and, on install, build — any
 * repository the user can read. So local sources from non-local registries
 * need the operator's opt-in: config `allow_local_sources: true`.
 */

export const isLocalGitUrl = (url: string): boolean => url.startsWith("file://");

export interface LocalSourceInput {
  /** Registry name, for the message. */
  registry: string;
  /** The registry's own git URL. */
  registryUrl: string;
  /** The agent's source URL from the registry entry. */
  agentUrl: string;
  /** Config `allow_local_sources`. */
  allowLocalSources: boolean;
}

/** Why the entry's source is refused, or null when it may be used. */
export function localSourceProblem(i: LocalSourceInput): string | null {
  if (!isLocalGitUrl(i.agentUrl) || i.allowLocalSources || isLocalGitUrl(i.registryUrl)) return null;
  return (
    `git_url is a local path (${i.agentUrl.slice(0, 200)}) but registry '${i.registry}' is not local; ` +
    "a remote registry may not point at repositories on this machine unless config.json sets allow_local_sources: true"
  );
}
