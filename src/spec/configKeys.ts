// Flink configuration keys that Flink itself would not deploy as written.

/** Old names that are the prefix of their own replacement, so they always collide with it. */
const OLD_NAMES: Record<string, string> = {
  'state.backend': 'state.backend.type',
  'high-availability': 'high-availability.type',
  'restart-strategy': 'restart-strategy.type',
};

export interface PrefixConflict {
  /** The key that has a value of its own. */
  key: string;
  /** The keys it is a prefix of, which the Flink client drops. */
  shadowed: string[];
  /** What to do instead. */
  message: string;
}

/**
 * Keys that are both a value and the prefix of other keys (`state.backend` and `state.backend.type`).
 * The Flink client writes the configuration it deploys into the ConfigMap `flink-config-<cluster-id>`,
 * which the JobManager reads, as nested YAML (`config.yaml`: every 2.x, and 1.19+ whose distribution
 * has config.yaml, as the official images do), and a key cannot be a value and a mapping at once:
 * the client keeps the value and silently drops the other keys. Seen with the real 1.20.3 and 2.2.0
 * clients (test/integration/deploy-flink2.test.ts), whether the keys come as -D or in config.yaml.
 */
export function prefixConflicts(conf: Record<string, unknown>): PrefixConflict[] {
  const keys = Object.keys(conf);
  const out: PrefixConflict[] = [];
  for (const key of keys) {
    const shadowed = keys.filter((k) => k.startsWith(`${key}.`));
    if (shadowed.length === 0) continue;
    const list = shadowed.map((k) => `"${k}"`).join(', ');
    const renamed = OLD_NAMES[key];
    const fix = renamed
      ? `"${key}" is the old name of "${renamed}" (Flink 2.x reads only the new one): ${shadowed.includes(renamed) ? `remove "${key}"` : `write "${renamed}" instead`}`
      : `Remove "${key}" or the keys under it`;
    out.push({
      key,
      shadowed,
      message: `"${key}" has a value and is also the prefix of ${list}; the Flink client writes the configuration into the JobManager's ConfigMap as nested YAML (config.yaml), where a key cannot be both, and keeps only "${key}", silently dropping ${list}. ${fix}`,
    });
  }
  return out;
}
