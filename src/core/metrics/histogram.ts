/**
 * Fixed latency buckets shared by the live histograms, the per-minute rollups
 * (one column per bucket, migration 0008) and the Prometheus exposition, so a
 * percentile means the same thing everywhere. Counts are per bucket (not
 * cumulative); a value v falls in the first bucket whose upper bound is >= v
 * (Prometheus `le`), the last bucket is +Inf.
 */

/** Upper bounds in milliseconds (tool timeouts go up to an hour: the last finite bound is 10 min). */
export const BUCKET_BOUNDS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000];
/** Finite bounds + the +Inf bucket. Must equal ROLLUP_BUCKETS in src/db/schema.ts. */
export const BUCKET_COUNT = BUCKET_BOUNDS_MS.length + 1;

/** The bucket of a duration: a linear scan of 18 numbers, no allocation. */
export function bucketIndex(ms: number): number {
  const b = BUCKET_BOUNDS_MS;
  for (let i = 0; i < b.length; i++) if (ms <= b[i]!) return i;
  return b.length;
}

/** Lower and upper bound of a bucket in ms (upper is Infinity for the last). */
export function bucketRange(i: number): [number, number] {
  return [i === 0 ? 0 : BUCKET_BOUNDS_MS[i - 1]!, i < BUCKET_BOUNDS_MS.length ? BUCKET_BOUNDS_MS[i]! : Infinity];
}

/**
 * The q-quantile (0 < q <= 1) of per-bucket counts, estimated like
 * Prometheus's histogram_quantile: find the bucket holding rank q·n and
 * interpolate linearly inside it. The answer lies in the bucket that holds the
 * exact nearest-rank value (counts are integers, so "cumulative >= q·n" and
 * ">= ceil(q·n)" pick the same bucket). The +Inf bucket answers its lower
 * bound. Null when there are no observations.
 */
export function quantileMs(counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0 && cum + c >= rank) {
      const [lo, hi] = bucketRange(i);
      if (hi === Infinity) return lo;
      return lo + (hi - lo) * Math.max(0, (rank - cum) / c);
    }
    cum += c;
  }
  return bucketRange(counts.length - 1)[0];
}
