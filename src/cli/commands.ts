/** Every CLI command, in help order. Adding a command = one file + one line here. */
import { agentsInfo, agentsList, agentsSearch } from "./agents-query.ts";
import { agentsRestart, agentsRun, agentsStop } from "./agents-lifecycle.ts";
import { agentsLogs } from "./agents-logs.ts";
import { toolsCall, toolsList } from "./tools.ts";
import { agentsDisable } from "./agents-disable.ts";
import { agentsEnable } from "./agents-enable.ts";
import { agentsInstall } from "./agents-install.ts";
import { agentsRevoke } from "./agents-revoke.ts";
import { agentsUninstall } from "./agents-uninstall.ts";
import { agentsUpdate } from "./agents-update.ts";
import { registryAdd } from "./registry-add.ts";
import { registryList } from "./registry-list.ts";
import { registryRemove } from "./registry-remove.ts";
import { registrySync } from "./registry-sync.ts";
import { audit } from "./audit.ts";
import type { Command } from "./command.ts";
import { configShow } from "./config-show.ts";
import { discover } from "./discover.ts";
import { serve } from "./serve.ts";
import { token } from "./token.ts";
import { tokenCreate, tokenList, tokenRevoke } from "./client-tokens.ts";
import { mcp } from "./mcp.ts";
import { agentsNew } from "./agents-new.ts";
import { agentsExamples } from "./agents-examples.ts";
import { agentsValidate } from "./agents-validate.ts";
import { doctor } from "./doctor.ts";
import { serviceInstall, serviceStatusCommand, serviceUninstall } from "./service.ts";

export const COMMANDS: Command[] = [serve, discover, agentsList, agentsSearch, agentsInfo,
  agentsInstall,
  agentsUpdate,
  agentsEnable,
  agentsDisable,
  agentsRevoke,
  agentsUninstall,
  agentsRun,
  agentsStop,
  agentsRestart,
  agentsLogs,
  toolsList,
  toolsCall,
  agentsNew,
  agentsExamples,
  agentsValidate,
  registryAdd,
  registryList,
  registryRemove,
  registrySync,
  audit, configShow, token,
  tokenCreate,
  tokenList,
  tokenRevoke,
  mcp,
  doctor,
  serviceInstall,
  serviceUninstall,
  serviceStatusCommand,
];
