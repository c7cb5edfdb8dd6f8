/**
 * Whether a data directory still needs its first-run examples registry: one
 * stat, and no node:fs (its loading alone is a sixth of a fast CLI command's
 * start), so every CLI command can ask before it loads anything heavy.
 */

/** Written once the examples registry was created (or skipped for good) in a data directory. */
export const EXAMPLES_MARKER = ".examples-registry-created";

export async function examplesPending(config: { examplesRegistry: boolean; paths: { home: string } }): Promise<boolean> {
  return config.examplesRegistry && !(await Bun.file(`${config.paths.home}/${EXAMPLES_MARKER}`).exists());
}
