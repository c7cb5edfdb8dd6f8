/** A small histogram family with one label (e.g. a registry sync's result): per-label bucket counts, sum and count. */
import { BUCKET_COUNT, bucketIndex } from "./histogram.ts";

export interface HistogramCell {
  buckets: Float64Array;
  sumMs: number;
  count: number;
}

export class LabeledHistogram {
  readonly cells = new Map<string, HistogramCell>();

  observe(label: string, ms: number): void {
    let c = this.cells.get(label);
    if (!c) this.cells.set(label, (c = { buckets: new Float64Array(BUCKET_COUNT), sumMs: 0, count: 0 }));
    c.buckets[bucketIndex(ms)]!++;
    c.sumMs += ms;
    c.count++;
  }
}
