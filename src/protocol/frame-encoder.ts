/**
 * Encodes one JSON object as a frame (§1): 4-byte big-endian length, then the
 * UTF-8 JSON text. The core never sends a frame its peer would have to reject,
 * so an oversized encoding throws instead of being written.
 */
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from "./constants.ts";
import { ProtocolError } from "./error-codes.ts";

const utf8 = new TextEncoder();

/**
 * Returns the frame bytes for `obj`. Throws `ProtocolError` with code
 * `frame_too_large` when the JSON body exceeds `maxFrameBytes`, and with code
 * `internal` when `obj` cannot be serialised (cycle, BigInt, not an object).
 */
export function encodeFrame(obj: object, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new ProtocolError("internal", "a frame must hold a JSON object");
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(obj);
  } catch (cause) {
    throw new ProtocolError("internal", "frame is not serialisable as JSON", { cause });
  }
  if (json === undefined || json.charCodeAt(0) !== 0x7b) {
    // toJSON() may turn an object into something else.
    throw new ProtocolError("internal", "frame does not serialise to a JSON object");
  }
  // Every UTF-16 code unit takes at least one UTF-8 byte: refuse early, without
  // encoding, when even the shortest possible encoding is too large.
  if (json.length > maxFrameBytes) throw tooLarge(json.length, maxFrameBytes);
  const body = utf8.encode(json);
  if (body.length > maxFrameBytes) throw tooLarge(body.length, maxFrameBytes);
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  new DataView(out.buffer).setUint32(0, body.length, false);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

function tooLarge(bytes: number, maxFrameBytes: number): ProtocolError {
  return new ProtocolError("frame_too_large", `encoded frame body is ${bytes} bytes, max_frame_bytes is ${maxFrameBytes}`);
}
