/**
 * The BEAM flags of a compiled agent launch, and the manifest's optional
 * `runtime` field that tunes them. A manifest is hostile input: it never
 * supplies flags, only typed, bounded values that this file turns into flags
 * (an allowlist by construction; unknown keys are refused, so nothing like
 * `-eval` can be smuggled in).
 *
 * The defaults suit a small, mostly idle agent (measured with bench/agents.ts):
 * one scheduler of each kind (the default per-agent CPU limit is one core),
 * no busy-waiting schedulers (idle agents otherwise spin for a while after
 * every wake-up: 50 of them cost a visible share of a core), no memory-segment
 * cache or carrier pooling and small carriers (about 4.5 MB less RSS each), and process/port tables
 * sized for an agent rather than a server (the port table matches the default
 * open-files limit, `limits.agent_max_open_files`).
 */
import { z } from "zod";

const count = (min: number, max: number) => z.number().int().min(min).max(max);

export const beamSettingsSchema = z.strictObject({
  /** Normal schedulers (`+S n:n`). */
  schedulers: count(1, 64).optional(),
  /** Dirty CPU schedulers (`+SDcpu n:n`). */
  dirty_cpu_schedulers: count(1, 64).optional(),
  /** Dirty I/O schedulers (`+SDio n`). */
  dirty_io_schedulers: count(1, 64).optional(),
  /** Async thread pool (`+A n`). */
  async_threads: count(1, 64).optional(),
  /** Process table size (`+P n`). */
  max_processes: count(1024, 16_777_216).optional(),
  /** Port table size, i.e. open files and sockets (`+Q n`). */
  max_ports: count(1024, 1_048_576).optional(),
  /**
   * "small" (default): no segment cache, no carrier pooling, small heap and binary carriers, about 4.5 MB less RSS;
   * "minimal": malloc-backed allocators (`+Mea min`), about 1.5 MB less again, but `:erlang.memory/0` then
   * raises `notsup` (telemetry pollers, dashboards); "default": ERTS's own settings (more memory, fastest under heavy allocation).
   */
  allocators: z.enum(["small", "minimal", "default"]).optional(),
  /** Let idle schedulers busy-wait before sleeping (ERTS's default; costs CPU while idle). */
  busy_wait: z.boolean().optional(),
});

export const runtimeSettingsSchema = z.strictObject({
  /** "auto" (default): compiled when the build output is there, else mix; "mix": always through mix. */
  launch: z.enum(["auto", "mix"]).optional(),
  beam: beamSettingsSchema.optional(),
});

export type BeamSettings = z.infer<typeof beamSettingsSchema>;
export type RuntimeSettings = z.infer<typeof runtimeSettingsSchema>;

export const DEFAULT_BEAM: Required<BeamSettings> = {
  schedulers: 1,
  dirty_cpu_schedulers: 1,
  dirty_io_schedulers: 1,
  async_threads: 1,
  max_processes: 32_768,
  max_ports: 4_096,
  allocators: "small",
  busy_wait: false,
};

/** `erl` emulator flags for these settings (defaults filled in). */
export function beamFlags(settings: BeamSettings | undefined): string[] {
  const s = { ...DEFAULT_BEAM, ...settings };
  const flags = [
    "+S", `${s.schedulers}:${s.schedulers}`,
    "+SDcpu", `${s.dirty_cpu_schedulers}:${s.dirty_cpu_schedulers}`,
    "+SDio", String(s.dirty_io_schedulers),
    "+A", String(s.async_threads),
    "+P", String(s.max_processes),
    "+Q", String(s.max_ports),
  ];
  // Measured on examples/echo: no segment cache −3 MB, no carrier pooling −1 MB, smaller heap/binary carriers −0.5 MB.
  if (s.allocators === "small") flags.push("+MMmcs", "0", "+Muacul", "0", "+MHsmbcs", "32", "+MHlmbcs", "512", "+MBsmbcs", "32", "+MBlmbcs", "512");
  else if (s.allocators === "minimal") flags.push("+Mea", "min");
  if (!s.busy_wait) flags.push("+sbwt", "none", "+sbwtdcpu", "none", "+sbwtdio", "none");
  return flags;
}
