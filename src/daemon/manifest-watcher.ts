/**
 * Re-runs discovery when something changes under the scan roots. Uses recursive
 * fs.watch where the platform allows it and a periodic rescan as a fallback;
 * rescans are cheap because unchanged manifests are skipped by stat.
 */
import { existsSync, watch, type FSWatcher } from "node:fs";

export interface WatcherOptions {
  roots: string[];
  debounceMs?: number;
  fallbackIntervalMs?: number;
  onChange(): void;
  onError?(msg: string): void;
}

export function watchManifests(opts: WatcherOptions): { close(): void } {
  const debounceMs = opts.debounceMs ?? 300;
  const watchers: FSWatcher[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const trigger = () => {
    clearTimeout(timer);
    timer = setTimeout(opts.onChange, debounceMs);
  };
  let degraded = false;
  for (const root of opts.roots) {
    if (!existsSync(root)) {
      degraded = true;
      continue;
    }
    try {
      const w = watch(root, { recursive: true, persistent: false }, (_ev, file) => {
        const f = String(file ?? "");
        if (/(^|\/)(\.git|_build|deps|node_modules)(\/|$)/.test(f)) return;
        trigger();
      });
      w.on("error", (e) => {
        degraded = true;
        opts.onError?.(`watching ${root}: ${e.message}`);
      });
      watchers.push(w);
    } catch (e) {
      degraded = true;
      opts.onError?.(`cannot watch ${root}: ${(e as Error).message}; falling back to periodic rescans`);
    }
  }
  // Roots that appear later, or watchers that failed, are covered by a periodic rescan.
  const interval = setInterval(() => {
    if (degraded) opts.onChange();
  }, opts.fallbackIntervalMs ?? 60_000);
  interval.unref?.();
  return {
    close() {
      clearTimeout(timer);
      clearInterval(interval);
      for (const w of watchers) w.close();
    },
  };
}
