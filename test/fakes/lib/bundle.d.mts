/** The path of a current bundle of `entry` (built when missing or stale), or null when it cannot be built. */
export function bundled(entry: string, opts?: { inlinePackages?: boolean }): Promise<string | null>;
/** Runs a fake CLI's entry (a file in test/fakes/lib) from its bundle. */
export function runBundled(entryName: string): Promise<void>;
