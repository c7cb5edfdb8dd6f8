/** Every CLI command, in help order. Adding a command = one file + one line here. */
import { agentsInfo, agentsList, agentsSearch } from "./agents-query.ts";
import { audit } from "./audit.ts";
import type { Command } from "./command.ts";
import { configShow } from "./config-show.ts";
import { discover } from "./discover.ts";
import { serve } from "./serve.ts";

export const COMMANDS: Command[] = [serve, discover, agentsList, agentsSearch, agentsInfo, audit, configShow];
