/**
 * Parses Prometheus text with the official Prometheus Python client's parser
 * (`prometheus_client.parser.text_string_to_metric_families`, Debian package
 * python3-prometheus-client for /usr/bin/python3, installed by scripts/test.sh): it raises on any
 * line that is not valid text format. (The npm parse-prometheus-text-format
 * folds every labelled histogram into one unlabelled sample, so it cannot
 * check ours.) Returns every sample with its family's name and type.
 */
import { expect } from "bun:test";

export interface PromSample {
  family: string;
  type: string;
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SCRIPT = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    for s in f.samples:
        v = s.value
        out.append({"family": f.name, "type": f.type, "name": s.name, "labels": s.labels, "value": "+Inf" if v == math.inf else v})
print(json.dumps(out))
`;

export function parsePrometheus(text: string): PromSample[] {
  const r = Bun.spawnSync(["/usr/bin/python3", "-c", SCRIPT], { stdin: Buffer.from(text), stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`the Prometheus parser refused the exposition: ${r.stderr.toString().trim().split("\n").at(-1)}`);
  const samples = (JSON.parse(r.stdout.toString()) as Array<Omit<PromSample, "value"> & { value: number | string }>).map((s) => ({ ...s, value: Number(s.value) }));
  // Nothing dropped: one parsed sample per sample line.
  expect(samples.length).toBe(text.split("\n").filter((l) => l && !l.startsWith("#")).length);
  return samples;
}

const same = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** The value of the sample `name` with exactly these labels; undefined when absent. */
export function sampleValue(samples: PromSample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && same(s.labels, labels))?.value;
}

/** One histogram: cumulative buckets by `le`, count and sum. */
export function histogram(samples: PromSample[], family: string, labels: Record<string, string>): { buckets: Record<string, number>; count: number; sum: number } | undefined {
  const mine = samples.filter((s) => s.family === family && same(Object.fromEntries(Object.entries(s.labels).filter(([k]) => k !== "le")), labels));
  if (mine.length === 0) return undefined;
  return {
    buckets: Object.fromEntries(mine.filter((s) => s.name === `${family}_bucket`).map((s) => [s.labels.le!, s.value])),
    count: mine.find((s) => s.name === `${family}_count`)!.value,
    sum: mine.find((s) => s.name === `${family}_sum`)!.value,
  };
}
