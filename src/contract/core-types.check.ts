/**
 * Compile-time proof that the contract's answer schemas describe exactly what
 * the services return: `bun run typecheck` fails when a service type and its
 * schema drift apart in either direction. No runtime code.
 */
import type { z } from "zod";
import type { AuditEvent } from "../core/audit/audit-log.ts";
import type { ClientTokenInfo } from "../core/client-tokens/client-tokens.ts";
import type { AgentDetail, AgentSummary } from "../core/catalog/types.ts";
import type { DiscoveryReport } from "../core/discovery/discovery.ts";
import type { ApprovalState, EnableResult } from "../core/approvals/approvals.ts";
import type { InstallPlan, InstallResult, UninstallPlan, UninstallResult } from "../core/installer/installer.ts";
import type { UpdatePlan, UpdateResult } from "../core/installer/updater.ts";
import type { RegistryInfo, SyncResult } from "../core/registry/registries.ts";
import type { LogLine } from "../core/runtime/agent-log.ts";
import type { RuntimeStatus } from "../core/runtime/runtime-status.ts";
import type { RejectedTool, ToolInfo } from "../core/runtime/tool-registry.ts";
import type { AgentTrust } from "../core/approvals/agent-trust.ts";
import type { AgentTestPlan, AgentTestRun } from "../core/installer/agent-test.ts";
import type * as TR from "./trust.ts";
import type { SandboxView } from "../core/sandbox/launcher.ts";
import type { SearchPage } from "../core/search/search.ts";
import type * as C from "./catalog.ts";
import type * as I from "./installs.ts";
import type * as M from "./mcp.ts";
import type * as R from "./registries.ts";
import type * as T from "./runtime.ts";
import type * as MT from "./metrics.ts";
import type { StatsReport } from "../core/metrics/stats.ts";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Out<S extends z.ZodType> = z.output<S>;
const same = <_ extends true>() => {};

same<Same<Out<typeof C.agentSummarySchema>, AgentSummary>>();
same<Same<Out<typeof C.searchPageSchema>, SearchPage>>();
same<Same<Out<typeof C.agentDetailSchema>, AgentDetail>>();
same<Same<Out<typeof C.discoveryReportSchema>, DiscoveryReport>>();
same<Same<Out<typeof C.auditEventSchema>, AuditEvent>>();
same<Same<Out<typeof I.installPlanSchema>, InstallPlan>>();
same<Same<Out<typeof I.installResultSchema>, InstallResult>>();
same<Same<Out<typeof I.updatePlanSchema>, UpdatePlan>>();
same<Same<Out<typeof I.updateResultSchema>, UpdateResult>>();
same<Same<Out<typeof I.uninstallPlanSchema>, UninstallPlan>>();
same<Same<Out<typeof I.uninstallResultSchema>, UninstallResult>>();
same<Same<Out<typeof I.approvalStateSchema>, ApprovalState>>();
same<Same<Out<typeof I.enableResultSchema>, EnableResult>>();
same<Same<Out<typeof R.registryInfoSchema>, RegistryInfo>>();
same<Same<Out<typeof R.syncResultSchema>, SyncResult>>();
same<Same<Out<typeof T.runtimeStatusSchema>, RuntimeStatus>>();
same<Same<Out<typeof T.toolInfoSchema>, ToolInfo>>();
same<Same<Out<typeof T.rejectedToolSchema>, RejectedTool>>();
same<Same<Out<typeof TR.agentTrustSchema>, AgentTrust>>();
same<Same<Out<typeof TR.agentTestRunSchema>, AgentTestRun>>();
same<Same<Out<typeof TR.agentTestPlanSchema>, AgentTestPlan>>();
same<Same<Out<typeof T.logLineSchema>, LogLine>>();
same<Same<Out<typeof T.sandboxViewSchema>, SandboxView>>();
same<Same<Out<typeof M.clientTokenSchema>, ClientTokenInfo>>();
same<Same<Out<typeof MT.statsReportSchema>, StatsReport>>();
