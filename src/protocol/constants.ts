/**
 * Protocol-wide constants of the OpenSentience runtime protocol v1
 * (design baseline: shared/design/runtime-protocol.md). Every other module
 * imports these instead of repeating the numbers.
 */

/** Protocol major version carried in every frame's `v` field. */
export const PROTOCOL_VERSION = 1;

/** Default cap on the JSON body of one frame (§1): 1 MiB, announced in `welcome`. */
export const DEFAULT_MAX_FRAME_BYTES = 1_048_576;

/** Size of the big-endian length prefix in front of every frame body. */
export const FRAME_HEADER_BYTES = 4;

/** Time an agent has to send `hello` after connecting (§1). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Default heartbeat interval announced in `welcome` (§7). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;

/** Missed heartbeat intervals after which an agent is marked unhealthy (§7). */
export const HEARTBEAT_MISSED_INTERVALS = 3;

/** Lifetime of a launch token handed to an agent process (§3). */
export const TOKEN_TTL_MS = 60_000;

/**
 * Deepest array/object nesting accepted in a frame body. JSON.parse itself
 * copes with deep input, but anything recursive afterwards (JSON.stringify,
 * validators, loggers) would overflow the stack, so frames are bounded here.
 */
export const DEFAULT_MAX_JSON_DEPTH = 64;
