/**
 * A Unix socket file nobody listens on, as a crashed process leaves it: a
 * child listens and is killed with SIGKILL (a clean stop() would remove it).
 */
export async function leaveStaleSocket(path: string): Promise<void> {
  const holder = Bun.spawn([process.execPath, "-e", `Bun.listen({ unix: ${JSON.stringify(path)}, socket: { data() {} } }); console.log("up")`], { stdout: "pipe" });
  const { value } = await holder.stdout.getReader().read(); // "up": it listens
  if (!value) throw new Error(`could not listen on ${path}`);
  holder.kill("SIGKILL");
  await holder.exited;
}
