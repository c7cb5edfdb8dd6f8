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
  return String(s ?? "").replace(CONTROL_CHARS, " ");
}
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;

export function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}

/**
 * Aligned columns (every cell cleaned and cut to its column's maximum width, default 60). Plain loops
 * with the per-cell work inline: a function called once per cell is JIT-compiled after a few dozen
 * cells, and a process's first JIT compile costs more CPU than the rest of `agents list` (issue 13).
 */
export function table(headers: string[], rows: string[][], maxWidths: number[] = []): string {
  const widths: number[] = [];
  for (const h of headers) widths.push(h.length);
  const cells: string[][] = [];
  for (const r of rows) {
    const row: string[] = [];
    for (let i = 0; i < r.length; i++) {
      let c = String(r[i] ?? "").replace(CONTROL_CHARS, " ");
      const max = maxWidths[i] ?? 60;
      if (c.length > max) c = `${c.slice(0, Math.max(0, max - 1))}…`;
      row.push(c);
      if (i < widths.length && c.length > widths[i]!) widths[i] = c.length;
    }
    cells.push(row);
  }
  // Every cell but a line's last padded to its column's width, two spaces apart.
  const lines: string[] = [];
  for (let k = -1; k < cells.length; k++) {
    const r = k < 0 ? headers : cells[k]!;
    let line = "";
    for (let i = 0; i < r.length; i++) {
      let c = r[i]!;
      if (i < r.length - 1) while (c.length < widths[i]!) c += " ";
      line += i === 0 ? c : `  ${c}`;
    }
    lines.push(line.trimEnd());
  }
  return lines.join("\n");
}

export function keyValues(pairs: Array<[string, unknown]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(w)}  ${clean(v === null || v === "" ? "-" : v)}`)
    .join("\n");
}
