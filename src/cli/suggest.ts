// The implementation lives in the service layer (agent-id resolution uses it too).
export { closest } from "../core/suggest.ts";
