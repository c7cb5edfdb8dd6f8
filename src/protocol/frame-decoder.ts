/**
 * Streaming decoder for the length-prefixed JSON framing of §1: a 4-byte
 * unsigned big-endian length N, then N bytes of UTF-8 JSON holding one object.
 *
 * Memory bound: a frame's length is checked from its header alone, before any
 * body byte is buffered, and a partial frame is held in one buffer of exactly
 * N bytes (N <= maxFrameBytes). A frame that arrives whole inside one chunk is
 * decoded in place without copying. Nothing here throws on any input.
 */
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_JSON_DEPTH, FRAME_HEADER_BYTES } from "./constants.ts";
import { ProtocolError } from "./error-codes.ts";
import { type JsonObject, parseFrameBody } from "./frame-body.ts";

export interface FrameDecoderOptions {
  /** Largest accepted body length N; default 1 MiB. */
  maxFrameBytes?: number;
  /** Deepest accepted array/object nesting; default 64. */
  maxJsonDepth?: number;
}

/** What one `push` produced: the complete frames, then the error that ended the stream, if any. */
export interface PushResult {
  frames: JsonObject[];
  error?: ProtocolError;
}

/** One step of the pure decoder: a frame and how many bytes it used, how many more bytes are needed, or an error. */
export type DecodeStep =
  | { kind: "frame"; frame: JsonObject; consumed: number }
  | { kind: "need"; bytes: number }
  | { kind: "error"; error: ProtocolError };

function readLength(bytes: Uint8Array, at: number): number {
  return bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

function checkLength(length: number, maxFrameBytes: number): ProtocolError | undefined {
  if (length === 0) return new ProtocolError("bad_frame", "frame length is 0", { frameLength: 0 });
  if (length > maxFrameBytes) {
    return new ProtocolError("frame_too_large", `frame length ${length} exceeds max_frame_bytes ${maxFrameBytes}`, { frameLength: length });
  }
  return undefined;
}

/**
 * Pure, single-frame form of the decoder: reads the frame at the start of
 * `bytes` without keeping state. Useful where the caller owns the buffer.
 */
export function decodeFrame(bytes: Uint8Array, options: FrameDecoderOptions = {}): DecodeStep {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (bytes.length < FRAME_HEADER_BYTES) return { kind: "need", bytes: FRAME_HEADER_BYTES - bytes.length };
  const length = readLength(bytes, 0);
  const lengthError = checkLength(length, maxFrameBytes);
  if (lengthError) return { kind: "error", error: lengthError };
  const total = FRAME_HEADER_BYTES + length;
  if (bytes.length < total) return { kind: "need", bytes: total - bytes.length };
  const body = parseFrameBody(bytes.subarray(FRAME_HEADER_BYTES, total), options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH);
  return body.ok ? { kind: "frame", frame: body.value, consumed: total } : { kind: "error", error: body.error };
}

/**
 * Stateful decoder for one connection. Feed it socket chunks of any size;
 * after the first error it is poisoned: every later `push` returns that error
 * and no frames, because the connection is about to be closed.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  readonly maxJsonDepth: number;
  readonly #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerFill = 0;
  #body: Uint8Array | null = null;
  #bodyFill = 0;
  #error: ProtocolError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxJsonDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
    if (!Number.isInteger(this.maxFrameBytes) || this.maxFrameBytes < 1 || this.maxFrameBytes > 0xffffffff) {
      throw new RangeError(`maxFrameBytes must be an integer in 1..2^32-1, got ${this.maxFrameBytes}`);
    }
  }

  /** The error that poisoned this decoder, if any. */
  get error(): ProtocolError | undefined {
    return this.#error;
  }

  /** Bytes held for the incomplete frame, counting the whole allocated body buffer (<= maxFrameBytes). */
  get bufferedBytes(): number {
    return this.#headerFill + (this.#body?.length ?? 0);
  }

  /** True when no partial frame is pending (a clean place for the peer to stop). */
  get idle(): boolean {
    return this.#headerFill === 0 && this.#body === null;
  }

  /** Consumes one chunk and returns every frame it completed. Never throws. */
  push(chunk: Uint8Array): PushResult {
    if (this.#error) return { frames: [], error: this.#error };
    const frames: JsonObject[] = [];
    const end = chunk.length;
    let offset = 0;
    while (offset < end) {
      const body = this.#body;
      if (body !== null) {
        const take = Math.min(body.length - this.#bodyFill, end - offset);
        body.set(chunk.subarray(offset, offset + take), this.#bodyFill);
        this.#bodyFill += take;
        offset += take;
        if (this.#bodyFill < body.length) break;
        this.#body = null;
        this.#bodyFill = 0;
        if (!this.#emit(body, frames)) break;
        continue;
      }
      let length: number;
      if (this.#headerFill === 0 && end - offset >= FRAME_HEADER_BYTES) {
        length = readLength(chunk, offset);
        offset += FRAME_HEADER_BYTES;
      } else {
        const take = Math.min(FRAME_HEADER_BYTES - this.#headerFill, end - offset);
        this.#header.set(chunk.subarray(offset, offset + take), this.#headerFill);
        this.#headerFill += take;
        offset += take;
        if (this.#headerFill < FRAME_HEADER_BYTES) break;
        this.#headerFill = 0;
        length = readLength(this.#header, 0);
      }
      const lengthError = checkLength(length, this.maxFrameBytes);
      if (lengthError) {
        this.#fail(lengthError);
        break;
      }
      if (end - offset >= length) {
        // Whole body in this chunk: decode in place, no copy.
        const whole = chunk.subarray(offset, offset + length);
        offset += length;
        if (!this.#emit(whole, frames)) break;
      } else {
        this.#body = new Uint8Array(length);
      }
    }
    return this.#error ? { frames, error: this.#error } : { frames };
  }

  #emit(body: Uint8Array, frames: JsonObject[]): boolean {
    const result = parseFrameBody(body, this.maxJsonDepth);
    if (result.ok) {
      frames.push(result.value);
      return true;
    }
    this.#fail(result.error);
    return false;
  }

  #fail(error: ProtocolError): void {
    this.#error = error;
    this.#body = null;
    this.#bodyFill = 0;
    this.#headerFill = 0;
  }
}
