/**
 * The HTTP API's contract, one entry per endpoint under /api/v1: method, path,
 * the request schemas the route validates with, and the schema of its answer
 * (`stream` for NDJSON answers: the schema of one line). The routes import
 * their request schemas from here (via src/contract/requests.ts), the typed
 * client (src/client/daemon-client.ts) has one method per entry and parses
 * every answer with the entry's schema, and test/contract checks that every
 * entry is a real route and the route set has no endpoint missing here.
 */
import { z } from "zod";
import { agentDetailSchema, agentResolutionSchema, auditPageSchema, discoveryReportSchema, searchPageSchema } from "./catalog.ts";
import {
  approvalStateSchema,
  disableResultSchema,
  enableResultSchema,
  installPlanSchema,
  installResultSchema,
  revokeResultSchema,
  uninstallPlanSchema,
  uninstallResultSchema,
  updatePlanSchema,
  updateResultSchema,
} from "./installs.ts";
import { clientTokenListSchema, createdClientTokenSchema, mcpToolListSchema, revokedClientTokenSchema, toolEventSchema } from "./mcp.ts";
import { operationEventSchema, operationListSchema, operationSchema } from "./operations.ts";
import { registryInfoSchema, registryListSchema, registryRemovedSchema, syncAllResultSchema, syncResultSchema } from "./registries.ts";
import { auditExportLineSchema, auditExportQuerySchema, auditVerifyQuerySchema, chainReportSchema } from "./audit-chain.ts";
import * as rq from "./requests.ts";
import { logLineSchema, logTailSchema, runtimeListSchema, runtimeStatusSchema, sandboxViewSchema, toolCallResultSchema, toolListSchema, toolStreamLineSchema } from "./runtime.ts";
import { healthSchema, rotateTokenSchema, versionSchema, whoamiSchema } from "./system.ts";
import { agentTestPlanSchema, agentTestRunSchema, agentTrustSchema } from "./trust.ts";
import { metricsTextSchema, statsQuerySchema, statsReportSchema } from "./metrics.ts";

export type Method = "GET" | "POST" | "DELETE";

export interface EndpointDef {
  method: Method;
  /** Relative to /api/v1; `:name` segments are filled from `params`. */
  path: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Schema of a JSON answer. */
  response?: z.ZodType;
  /** Schema of one NDJSON line, for streamed answers. */
  stream?: z.ZodType;
  /** The answer is a started operation (202) whose `result` has this schema. */
  operationResult?: z.ZodType;
}

const id = rq.agentIdParamSchema;
const name = rq.registryNameParamSchema;

export const ENDPOINTS = {
  health: { method: "GET", path: "/health", response: healthSchema },
  version: { method: "GET", path: "/version", response: versionSchema },
  whoami: { method: "GET", path: "/auth/whoami", response: whoamiSchema },
  rotateToken: { method: "POST", path: "/auth/rotate-token", response: rotateTokenSchema },

  listAgents: { method: "GET", path: "/agents", query: rq.agentQuerySchema, response: searchPageSchema },
  getAgent: { method: "GET", path: "/agents/:id", params: id, response: agentDetailSchema },
  resolveAgent: { method: "GET", path: "/agents/:id/resolve", params: id, response: agentResolutionSchema },
  audit: { method: "GET", path: "/audit", query: rq.auditQuerySchema, response: auditPageSchema },
  auditVerify: { method: "GET", path: "/audit/verify", query: auditVerifyQuerySchema, response: chainReportSchema },
  auditExport: { method: "GET", path: "/audit/export", query: auditExportQuerySchema, stream: auditExportLineSchema },
  runDiscovery: { method: "POST", path: "/discovery/run", body: rq.discoveryBodySchema, response: discoveryReportSchema },

  runtime: { method: "GET", path: "/runtime", response: runtimeListSchema },
  agentStatus: { method: "GET", path: "/agents/:id/status", params: id, response: runtimeStatusSchema },
  agentSandbox: { method: "GET", path: "/agents/:id/sandbox", params: id, response: sandboxViewSchema.nullable() },
  agentTrust: { method: "GET", path: "/agents/:id/trust", params: id, response: agentTrustSchema },
  agentTestPlan: { method: "GET", path: "/agents/:id/test-plan", params: id, query: rq.agentTestPlanQuerySchema, response: agentTestPlanSchema },
  testAgent: { method: "POST", path: "/agents/:id/test", params: id, body: rq.agentTestBodySchema, response: operationSchema, operationResult: agentTestRunSchema },
  runAgent: { method: "POST", path: "/agents/:id/run", params: id, body: rq.runBodySchema, response: runtimeStatusSchema },
  stopAgent: { method: "POST", path: "/agents/:id/stop", params: id, response: runtimeStatusSchema },
  restartAgent: { method: "POST", path: "/agents/:id/restart", params: id, response: runtimeStatusSchema },
  agentLogs: { method: "GET", path: "/agents/:id/logs", params: id, query: rq.logsQuerySchema, response: logTailSchema, stream: logLineSchema },

  listTools: { method: "GET", path: "/tools", query: rq.toolsQuerySchema, response: toolListSchema },
  callTool: { method: "POST", path: "/tools/call", body: rq.toolCallBodySchema, response: toolCallResultSchema, stream: toolStreamLineSchema },
  toolEvents: { method: "GET", path: "/tools/events", stream: toolEventSchema },
  mcpTools: { method: "GET", path: "/mcp/tools", query: rq.mcpToolsQuerySchema, response: mcpToolListSchema },
  stats: { method: "GET", path: "/stats", query: statsQuerySchema, response: statsReportSchema },
  /** Prometheus text (also served at /metrics, where a `metrics` client token is accepted too). */
  metrics: { method: "GET", path: "/metrics", response: metricsTextSchema },

  listClientTokens: { method: "GET", path: "/client-tokens", response: clientTokenListSchema },
  createClientToken: { method: "POST", path: "/client-tokens", body: rq.clientTokenCreateSchema, response: createdClientTokenSchema },
  revokeClientToken: { method: "DELETE", path: "/client-tokens/:name", params: rq.clientTokenNameParamSchema, response: revokedClientTokenSchema },

  listRegistries: { method: "GET", path: "/registries", response: registryListSchema },
  getRegistry: { method: "GET", path: "/registries/:name", params: name, response: registryInfoSchema },
  addRegistry: { method: "POST", path: "/registries", body: rq.registryAddSchema, response: registryInfoSchema },
  removeRegistry: { method: "DELETE", path: "/registries/:name", params: name, response: registryRemovedSchema },
  syncRegistry: { method: "POST", path: "/registries/:name/sync", params: name, body: rq.registrySyncSchema, response: operationSchema, operationResult: syncResultSchema },
  syncAllRegistries: { method: "POST", path: "/registries/sync", body: rq.registrySyncSchema, response: operationSchema, operationResult: syncAllResultSchema },

  installPlan: { method: "GET", path: "/agents/:id/install-plan", params: id, query: rq.installPlanQuerySchema, response: installPlanSchema },
  install: { method: "POST", path: "/agents/:id/install", params: id, body: rq.installBodySchema, response: operationSchema, operationResult: installResultSchema },
  updatePlan: { method: "GET", path: "/agents/:id/update-plan", params: id, response: updatePlanSchema },
  update: { method: "POST", path: "/agents/:id/update", params: id, body: rq.updateBodySchema, response: operationSchema, operationResult: updateResultSchema },
  approvals: { method: "GET", path: "/agents/:id/approvals", params: id, response: approvalStateSchema },
  enable: { method: "POST", path: "/agents/:id/enable", params: id, body: rq.enableBodySchema, response: enableResultSchema },
  disable: { method: "POST", path: "/agents/:id/disable", params: id, response: disableResultSchema },
  revoke: { method: "POST", path: "/agents/:id/revoke", params: id, body: rq.revokeBodySchema, response: revokeResultSchema },
  uninstallPlan: { method: "GET", path: "/agents/:id/uninstall-plan", params: id, response: uninstallPlanSchema },
  uninstall: { method: "POST", path: "/agents/:id/uninstall", params: id, body: rq.confirmBodySchema, response: uninstallResultSchema },

  listOperations: { method: "GET", path: "/operations", response: operationListSchema },
  getOperation: { method: "GET", path: "/operations/:id", params: rq.operationIdParamSchema, query: rq.operationWaitQuerySchema, response: operationSchema },
  operationEvents: { method: "GET", path: "/operations/:id/events", params: rq.operationIdParamSchema, stream: operationEventSchema },
} as const satisfies Record<string, EndpointDef>;

export type Endpoints = typeof ENDPOINTS;
export type EndpointName = keyof Endpoints;
