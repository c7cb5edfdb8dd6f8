/** Output helpers shared by commands: JSON for scripts, aligned tables for people. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  isTTY: boolean;
}

/**
 * The real terminal. console.log / console.error with one string print it
 * unchanged (no format directives), write synchronously, and cost nothing at
 * start; touching `process.stdout` builds Node's stream machinery (~35 ms of
 * CPU here, more than the rest of `opensentience --version`), so it is only
 * read when something asks whether stdout is a terminal.
 */
export const processIo: Io = {
  out: (s) => console.log(s.endsWith("\n") ? s.slice(0, -1) : s),
  err: (s) => console.error(s.endsWith("\n") ? s.slice(0, -1) : s),
  get isTTY() {
    return !!process.stdout.isTTY;
  },
};

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** Strips control characters so hostile manifest text cannot drive the terminal. */
export function clean(s: unknown): string {
  return String(s ?? "").replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
}

export function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}

export function table(headers: string[], rows: string[][], maxWidths: number[] = []): string {
  const cells = rows.map((r) => r.map((c, i) => truncate(clean(c), maxWidths[i] ?? 60)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...cells.map(line)].join("\n");
}

export function keyValues(pairs: Array<[string, unknown]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(w)}  ${clean(v === null || v === "" ? "-" : v)}`)
    .join("\n");
}
