import { expect, test } from "bun:test";
import { ndjsonStream } from "./ndjson.ts";

test("a producer that ends while starting still has its cleanup run (no timer left behind)", async () => {
  let cleaned = 0;
  const res = ndjsonStream<{ n: number }>(new AbortController().signal, (push, end) => {
    const timer = setInterval(() => push({ n: 0 }), 1000);
    push({ n: 1 });
    end();
    return () => {
      clearInterval(timer);
      cleaned++;
    };
  });
  expect(await res.text()).toBe('{"n":1}\n');
  expect(cleaned).toBe(1);
});

test("cleanup runs once when the client goes away", async () => {
  let cleaned = 0;
  const ac = new AbortController();
  const res = ndjsonStream<{ n: number }>(ac.signal, (push) => {
    push({ n: 1 });
    return () => void cleaned++;
  });
  const reader = res.body!.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toBe('{"n":1}\n');
  ac.abort();
  expect((await reader.read()).done).toBe(true);
  expect(cleaned).toBe(1);
});
