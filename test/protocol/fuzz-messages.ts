/**
 * Structured fuzzer for parseMessage: starts from the valid example of each
 * message type and changes one thing (drops or replaces a field anywhere,
 * renames the type, bumps the version, adds unknown fields, inflates a
 * string). parseMessage must never throw, must classify envelope-level damage
 * precisely, and whatever it accepts must survive a JSON round trip unchanged.
 */
import { PROTOCOL_VERSION } from "../../src/protocol/constants.ts";
import { randomJsonValue, randomString } from "./fuzz-corpus.ts";
import { Prng, caseSeed } from "./fuzz-prng.ts";
import { MESSAGE_EXAMPLES } from "../../src/protocol/message-examples.ts";
import { MESSAGE_SCHEMAS } from "../../src/protocol/messages.ts";
import { type ParseResult, parseMessage } from "../../src/protocol/parse-message.ts";

type Json = Record<string, unknown>;
type Expected = "ok" | "bad_frame" | "unknown_type" | "unsupported_version" | undefined;

export interface MessageFuzzReport {
  cases: number;
  byOutcome: Record<string, number>;
  failures: { index: number; caseSeed: number; mutation: string; reason: string }[];
}

const EXAMPLES = Object.values(MESSAGE_EXAMPLES);
const ENVELOPE_REQUIRED = ["v", "type", "id", "payload"];

/** Every [container, key] pair below `value`, for picking a random spot. */
function slots(value: unknown, out: [Json | unknown[], string | number][] = []): [Json | unknown[], string | number][] {
  if (Array.isArray(value)) value.forEach((item, i) => (out.push([value, i]), slots(item, out)));
  else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) out.push([value as Json, key]), slots(item, out);
  }
  return out;
}

function mutate(rng: Prng, frame: Json): { name: string; expect: Expected } {
  const roll = rng.int(100);
  if (roll < 10) {
    let type = randomString(rng, 4) || "x";
    if (type.length > 64 || Object.hasOwn(MESSAGE_SCHEMAS, type)) type = "tool.frobnicate";
    frame.type = type;
    return { name: "unknown-type", expect: "unknown_type" };
  }
  if (roll < 15) {
    frame.v = rng.range(2, 9);
    return { name: "version", expect: "unsupported_version" };
  }
  if (roll < 25) {
    delete frame[rng.pick(ENVELOPE_REQUIRED)];
    return { name: "drop-envelope", expect: "bad_frame" };
  }
  if (roll < 30) {
    frame.payload = rng.pick([null, [], "x", 1, [{}]]);
    return { name: "payload-type", expect: "bad_frame" };
  }
  if (roll < 40) {
    frame[`x_${randomString(rng, 2)}`] = randomJsonValue(rng, 2);
    return { name: "extra-field", expect: "ok" };
  }
  if (roll < 45) {
    frame.type = rng.pick(Object.keys(MESSAGE_SCHEMAS));
    return { name: "retype", expect: undefined };
  }
  const spots = slots(frame.payload);
  if (spots.length === 0) return { name: "none", expect: "ok" };
  const [container, key] = rng.pick(spots);
  if (roll < 65) {
    if (Array.isArray(container)) container.splice(key as number, 1);
    else delete container[key as string];
    return { name: "drop-field", expect: undefined };
  }
  const value = roll < 90 ? randomJsonValue(rng, 2) : "x".repeat(rng.pick([65, 129, 4097, 70_000]));
  (container as Record<string | number, unknown>)[key] = value;
  return { name: roll < 90 ? "replace-field" : "long-string", expect: undefined };
}

function checkResult(result: ParseResult, expect: Expected): string | undefined {
  const outcome = result.ok ? "ok" : result.code;
  if (expect !== undefined && outcome !== expect) return `expected ${expect}, got ${outcome}${result.ok ? "" : `: ${result.message}`}`;
  if (!result.ok) {
    if (typeof result.message !== "string" || result.message.length === 0 || result.message.length > 4096) return "bad failure message";
    return undefined;
  }
  if (result.msg.v !== PROTOCOL_VERSION) return "accepted a foreign version";
  const again = parseMessage(JSON.parse(JSON.stringify(result.msg)));
  if (!again.ok || !Bun.deepEquals(again.msg, result.msg, true)) return "accepted message does not survive a JSON round trip";
  return undefined;
}

/** Runs `cases` structured cases from `seed`. */
export function runMessageFuzz(options: { cases: number; seed: number; maxFailures?: number }): MessageFuzzReport {
  const report: MessageFuzzReport = { cases: 0, byOutcome: {}, failures: [] };
  for (let index = 0; index < options.cases; index++) {
    const seed = caseSeed(options.seed, index);
    const rng = new Prng(seed);
    const frame = structuredClone(rng.pick(EXAMPLES));
    const { name, expect } = mutate(rng, frame);
    let failure: string | undefined;
    try {
      const result = parseMessage(frame);
      const outcome = result.ok ? "ok" : result.code;
      report.byOutcome[outcome] = (report.byOutcome[outcome] ?? 0) + 1;
      failure = checkResult(result, expect);
    } catch (thrown) {
      failure = `parseMessage threw: ${String(thrown)}`;
    }
    report.cases++;
    if (failure && report.failures.length < (options.maxFailures ?? 20)) {
      report.failures.push({ index, caseSeed: seed, mutation: name, reason: failure });
    }
  }
  return report;
}
