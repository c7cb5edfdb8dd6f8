import type { Abortable } from "../core/runtime/call-limits.ts";

/**
 * Newline-delimited JSON responses for long-lived streams (log follow, tool
 * call progress). The stream ends when the producer says so or the client goes
 * away; the producer's cleanup always runs.
 */
export function ndjsonStream<T>(signal: Abortable, start: (push: (v: T) => void, end: () => void) => (() => void) | void): Response {
  const enc = new TextEncoder();
  let cleanup: (() => void) | void;
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const end = () => {
        if (closed) return;
        closed = true;
        cleanup?.();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      const push = (v: T) => {
        if (closed) return;
        try {
          controller.enqueue(enc.encode(`${JSON.stringify(v)}\n`));
        } catch {
          end();
        }
      };
      cleanup = start(push, end);
      // A producer that ends while starting (e.g. an operation already finished) had no cleanup yet to run.
      if (closed) cleanup?.();
      else if (signal.aborted) end();
      else signal.addEventListener("abort", end, { once: true });
    },
    cancel() {
      closed = true;
      cleanup?.();
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson; charset=utf-8" } });
}
