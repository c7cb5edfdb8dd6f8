import { describe, expect, test } from "bun:test";
import { localSourceProblem } from "./local-sources.ts";

const REMOTE = ["https://git.example.com/team/registry.git", "ssh://git@example.com/registry.git", "git@example.com:registry.git", ""];
const LOCAL_REG = "file:///srv/registries/team";
const LOCAL_AGENT = "file:///home/me/.ssh";
const REMOTE_AGENTS = ["https://git.example.com/a.git", "ssh://git@example.com/a.git", "git@example.com:a.git"];

describe("localSourceProblem", () => {
  test.each(REMOTE)("a local agent source from the non-local registry %p is refused by default, naming the option", (registryUrl) => {
    const p = localSourceProblem({ registry: "team", registryUrl, agentUrl: LOCAL_AGENT, allowLocalSources: false });
    expect(p).toContain("registry 'team' is not local");
    expect(p).toContain("allow_local_sources: true");
  });

  test.each(REMOTE)("… and allowed with allow_local_sources (%p)", (registryUrl) => {
    expect(localSourceProblem({ registry: "team", registryUrl, agentUrl: LOCAL_AGENT, allowLocalSources: true })).toBeNull();
  });

  test.each([false, true])("a local registry may list local sources (allow_local_sources: %p)", (allowLocalSources) => {
    expect(localSourceProblem({ registry: "examples", registryUrl: LOCAL_REG, agentUrl: LOCAL_AGENT, allowLocalSources })).toBeNull();
  });

  test.each(REMOTE_AGENTS.flatMap((agentUrl) => [...REMOTE, LOCAL_REG].map((registryUrl) => [agentUrl, registryUrl])))("a remote source %p is never this policy's business (registry %p)", (agentUrl, registryUrl) => {
    expect(localSourceProblem({ registry: "r", registryUrl, agentUrl, allowLocalSources: false })).toBeNull();
  });
});
