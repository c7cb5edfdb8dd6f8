import { readdirSync, readFileSync } from "node:fs";

/** Nanoseconds of CPU the process has used so far, over all its threads (0 if it is gone). */
export function cpuNs(pid: number): number {
  let total = 0;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) total += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    // a thread ended while we read: its time is lost, the others count
  }
  return total;
}
