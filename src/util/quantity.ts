// Parsing of the resource quantities a spec may hold: CPU as Kubernetes writes it, memory as Flink does.

/** CPU cores from a number (1, 0.5) or a Kubernetes quantity string ("1", "0.5", "500m"). */
export function parseCpu(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/.exec(value.trim());
  if (!m) return undefined;
  const cores = m[2] === 'm' ? Number(m[1]) / 1000 : Number(m[1]);
  return cores > 0 ? cores : undefined;
}

const MIB = 1024 * 1024;
const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  bytes: 1,
  k: 1024,
  kb: 1024,
  kibibytes: 1024,
  ki: 1024,
  m: MIB,
  mb: MIB,
  mebibytes: MIB,
  mi: MIB,
  g: 1024 * MIB,
  gb: 1024 * MIB,
  gibibytes: 1024 * MIB,
  gi: 1024 * MIB,
  t: 1024 * 1024 * MIB,
  tb: 1024 * 1024 * MIB,
  tebibytes: 1024 * 1024 * MIB,
  ti: 1024 * 1024 * MIB,
};

/**
 * Bytes from a memory size. Flink's own units (b, k/kb, m/mb, g/gb, t/tb, all binary) and the Kubernetes
 * binary suffixes (Ki, Mi, Gi, Ti) are accepted. Decimal Kubernetes suffixes ("2G") are refused on purpose:
 * Flink reads "2g" as 2 GiB, and silently mixing the two conventions would size pods differently than meant.
 */
export function parseMemory(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(value.trim());
  if (!m) return undefined;
  const unit = m[2]!;
  if (/^[KMGT]$/.test(unit)) return undefined;
  const factor = MEMORY_UNITS[unit.toLowerCase()];
  if (factor === undefined) return undefined;
  const bytes = Number(m[1]) * factor;
  return bytes > 0 ? bytes : undefined;
}

/** The size in Flink's notation: whole mebibytes as "<n>m", otherwise bytes as "<n>b". */
export function formatFlinkMemory(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB}m` : `${bytes}b`;
}

export const DURATION_HINT = 'a duration such as 90s, 10m, 1h30m or 1d';

/**
 * A duration such as "30s", "5m", "1h30m", "72h", "1d", "500ms" in milliseconds: the one parser of every
 * --timeout, ttl and soak. Undefined when it does not parse.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let rest = value.trim();
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** A duration for people, in the spec's own notation: 45s, 3m20s, 1h2m, 2d3h (whole seconds, two units). */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  if (s === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.slice(0, 2).join('');
}
