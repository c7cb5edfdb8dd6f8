/**
 * Observed reliability for search ranking, from the daemon's tool-call
 * metrics (src/core/metrics): an agent's share of calls that failed (error or
 * timeout) since the daemon started. Denials (policy) and cancellations (the
 * caller's choice) say nothing about the agent; an agent with fewer than
 * MIN_CALLS calls has no observation yet and ranks as neutral.
 */
import type { Metrics } from "../metrics/metrics.ts";
import { OUTCOME_INDEX } from "../metrics/series.ts";
import type { ReliabilitySource } from "./rank.ts";

export const MIN_CALLS = 10;

export function metricsReliability(metrics: Pick<Metrics, "toolSeries">): ReliabilitySource {
  return {
    errorRates() {
      const byAgent = new Map<string, { judged: number; failed: number }>();
      for (const s of metrics.toolSeries()) {
        const failed = s.outcomes[OUTCOME_INDEX.error]! + s.outcomes[OUTCOME_INDEX.timeout]!;
        const judged = failed + s.outcomes[OUTCOME_INDEX.ok]!;
        const a = byAgent.get(s.agentId) ?? { judged: 0, failed: 0 };
        a.judged += judged;
        a.failed += failed;
        byAgent.set(s.agentId, a);
      }
      const rates = new Map<string, number>();
      for (const [id, a] of byAgent) if (a.judged >= MIN_CALLS && a.failed > 0) rates.set(id, a.failed / a.judged);
      return rates;
    },
  };
}
