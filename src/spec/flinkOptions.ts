// flinkConfiguration checked against Flink's own options, for the exact Flink version the spec names.
// The catalogue (schema/flink-options/<version>.json) is generated from the ConfigOption definitions in
// Flink's jars by scripts/flink-options/generate. Flink ignores a key it does not know and fails only at
// start on a value it cannot parse; both are found here, at the key's or value's line:
// - unknown keys, with the closest known key ("did you mean"), unless a plugin or connector prefix
//   (PLUGIN_PREFIXES) allows them; keys of another catalogued version say when they came or went;
// - values that do not parse as the option's type, the way Flink parses them (TimeUtils, MemorySize,
//   enums by name in any case, booleans, numbers, `;`-separated lists);
// - deprecated keys and their replacement (warnings: Flink still reads them);
// - JobManager and TaskManager memory that Flink's own memory model rejects at start, derived the way
//   Flink derives it (from the process size flinkship sets and any other memory keys), with this
//   version's defaults.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closest } from '../util/suggest.js';

export interface FlinkOption {
  type: string;
  list?: boolean;
  values?: string[];
  default?: string;
  deprecated?: boolean;
  sensitive?: boolean;
  deprecatedKeys?: string[];
  fallbackKeys?: string[];
}

export interface FlinkOptionCatalogue {
  flinkVersion: string;
  release: string;
  options: Record<string, FlinkOption>;
}

/** The versions with a catalogue, oldest first. */
export const CATALOGUED_VERSIONS = ['1.19', '1.20', '2.0', '2.1', '2.2', '2.3'] as const;

/**
 * Keys under these prefixes belong to plugins, connectors and reporters that Flink's core jars do not
 * define (file systems, metric reporters, Python, environment variables); they are allowed unchecked.
 */
export const PLUGIN_PREFIXES = [
  'metrics.reporter.',
  'metrics.scope.',
  'containerized.master.env.',
  'containerized.taskmanager.env.',
  'kubernetes.jobmanager.annotations.',
  'kubernetes.taskmanager.annotations.',
  's3.',
  's3a.',
  'fs.',
  'gs.',
  'azure.',
  'oss.',
  'presto.',
  'hive.',
  'python.',
  'pipeline.global-job-parameters.',
  'security.ssl.',
  'env.',
] as const;

const catalogues = new Map<string, FlinkOptionCatalogue | null>();

/** The directory of the generated catalogue, found from this module (src/spec, dist or dist/chunks). */
function catalogueDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'schema', 'flink-options');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

/** Flink's options for `flinkVersion` ("1.20", "2.1"), or undefined when it has no catalogue. */
export function flinkOptions(flinkVersion: string): FlinkOptionCatalogue | undefined {
  if (!(CATALOGUED_VERSIONS as readonly string[]).includes(flinkVersion)) return undefined;
  if (!catalogues.has(flinkVersion)) {
    const dir = catalogueDir();
    const file = dir && path.join(dir, `${flinkVersion}.json`);
    catalogues.set(
      flinkVersion,
      file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FlinkOptionCatalogue) : null,
    );
  }
  return catalogues.get(flinkVersion) ?? undefined;
}

// --- Flink's parsers -----------------------------------------------------------------------------

const DURATION_UNITS: Record<string, number> = {};
for (const [ms, labels] of [
  [86_400_000, ['d', 'day']],
  [3_600_000, ['h', 'hour']],
  [60_000, ['min', 'm', 'minute']],
  [1000, ['s', 'sec', 'second']],
  [1, ['ms', 'milli', 'millisecond']],
  [0.001, ['µs', 'us', 'micro', 'microsecond']],
  [0.000001, ['ns', 'nano', 'nanosecond']],
] as const) {
  for (const l of labels) {
    DURATION_UNITS[l] = ms;
    DURATION_UNITS[`${l}s`] = ms;
  }
}
export const FLINK_DURATION_HINT =
  'a Flink duration: a whole number and a unit, such as 60 s, 10 min, 500 ms, 1 h or 2 d';

/** A duration as Flink's TimeUtils.parseDuration reads it (digits, then a unit label; none is ms). */
export function parseFlinkDuration(text: string): number | undefined {
  const m = /^(\d+)\s*([a-zµ]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const factor = unit === '' ? 1 : DURATION_UNITS[unit];
  return factor === undefined ? undefined : Number(m[1]) * factor;
}

const MEMORY_UNITS: Record<string, number> = {};
for (const [bytes, labels] of [
  [1, ['b', 'bytes']],
  [1024, ['k', 'kb', 'kibibytes']],
  [1024 ** 2, ['m', 'mb', 'mebibytes']],
  [1024 ** 3, ['g', 'gb', 'gibibytes']],
  [1024 ** 4, ['t', 'tb', 'tebibytes']],
] as const) {
  for (const l of labels) MEMORY_UNITS[l] = bytes;
}
export const FLINK_MEMORY_HINT =
  'a Flink memory size: a whole number and a unit, such as 512m, 1 gb or 64 mb';

/** A memory size as Flink's MemorySize.parse reads it (digits, then a unit; none is bytes). */
export function parseFlinkMemory(text: string): number | undefined {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const factor = MEMORY_UNITS[m[2]!.toLowerCase() || 'b'];
  return factor === undefined ? undefined : Number(m[1]) * factor;
}

/** Known values of String options whose values Flink documents (a factory class name is also allowed). */
const DOCUMENTED_VALUES: Record<string, (version: string) => string[]> = {
  // ForSt arrived (experimental, flink-statebackend-forst) in 1.20.
  'state.backend.type': (v) => (v === '1.19' ? ['hashmap', 'rocksdb'] : ['hashmap', 'rocksdb', 'forst']),
  'state.checkpoint-storage': () => ['jobmanager', 'filesystem'],
  'high-availability.type': () => ['NONE', 'ZOOKEEPER', 'KUBERNETES'],
  'restart-strategy.type': () => [
    'none',
    'off',
    'disable',
    'fixeddelay',
    'fixed-delay',
    'failurerate',
    'failure-rate',
    'exponentialdelay',
    'exponential-delay',
  ],
};

function isClassName(text: string): boolean {
  return /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(text);
}

/** Why `value` is not a valid value of `option` (undefined when it is). */
export function valueProblem(
  key: string,
  option: FlinkOption,
  value: unknown,
  flinkVersion: string,
): string | undefined {
  if (option.list) {
    const items = Array.isArray(value) ? value : String(value).split(';');
    for (const item of items) {
      const p = scalarProblem(key, option, item, flinkVersion);
      if (p) return `${p} (in the list ${JSON.stringify(String(value))}, items separated by ;)`;
    }
    return undefined;
  }
  return scalarProblem(key, option, value, flinkVersion);
}

function scalarProblem(
  key: string,
  option: FlinkOption,
  value: unknown,
  flinkVersion: string,
): string | undefined {
  const text = String(value).trim();
  const found = `found ${JSON.stringify(value)}`;
  switch (option.type) {
    case 'Duration':
      // ISO-8601 (PT1M) is read by newer versions; it is let through rather than refused wrongly.
      if (typeof value === 'number' || parseFlinkDuration(text) !== undefined || /^P(T|\d)/i.test(text))
        return undefined;
      return `${found}; expected ${FLINK_DURATION_HINT}`;
    case 'MemorySize':
      if (typeof value === 'number' || parseFlinkMemory(text) !== undefined) return undefined;
      return `${found}; expected ${FLINK_MEMORY_HINT}`;
    case 'Boolean':
      if (typeof value === 'boolean' || /^(true|false)$/i.test(text)) return undefined;
      return `${found}; expected true or false`;
    case 'Integer':
    case 'Long':
      if (/^[-+]?\d+$/.test(text)) return undefined;
      return `${found}; expected a whole number`;
    case 'Double':
    case 'Float':
      if (text !== '' && Number.isFinite(Number(text))) return undefined;
      return `${found}; expected a number`;
    case 'enum': {
      const values = option.values ?? [];
      if (values.some((v) => v.toUpperCase() === text.toUpperCase())) return undefined;
      const near = closest(text, values);
      return `${found}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; expected one of ${values.join(', ')}`;
    }
    case 'String': {
      const documented = DOCUMENTED_VALUES[key]?.(flinkVersion);
      if (!documented || isClassName(text) || documented.some((v) => v.toLowerCase() === text.toLowerCase()))
        return undefined;
      const near = closest(text, documented);
      return `${found}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; expected ${documented.join(', ')} or a factory class name`;
    }
    default:
      return undefined;
  }
}

export interface KeyVerdict {
  kind: 'ok' | 'unknown' | 'deprecated';
  message?: string;
  option?: FlinkOption;
}

interface CatalogueIndex {
  keys: string[];
  /** A deprecated key → the (non-deprecated) option that reads it. */
  replacedBy: Map<string, string>;
  /** A fallback key → the option that reads it. */
  fallbackOf: Map<string, string>;
  /** Options whose key has a part of the user's choosing, as patterns of the keys they read. */
  templates: { source: string; pattern: RegExp; key: string }[];
}

/**
 * external-resource.<resource_name>.amount as the pattern of the keys it reads (external-resource.gpu.amount).
 * A key that is nothing but a placeholder (<parameter>) is a relative name, not a template of any key.
 */
function templateSource(key: string): string | undefined {
  if (!/<[^<>]+>/.test(key) || /^(<[^<>]+>\.?)+$/.test(key)) return undefined;
  // A name in the middle is one segment (<resource_name>); a last one may have dots (param.<param>:
  // external-resource.gpu.param.discovery-script.path).
  const parts = key.split(/<[^<>]+>/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const last = parts.pop()!;
  return `^${parts.join('[^.]+')}${last === '' ? '.+' : `[^.]+${last}`}$`;
}
const indexes = new WeakMap<FlinkOptionCatalogue, CatalogueIndex>();

function indexOf(c: FlinkOptionCatalogue): CatalogueIndex {
  let index = indexes.get(c);
  if (!index) {
    index = { keys: Object.keys(c.options), replacedBy: new Map(), fallbackOf: new Map(), templates: [] };
    for (const [k, o] of Object.entries(c.options)) {
      for (const d of o.deprecatedKeys ?? [])
        if (!o.deprecated || !index.replacedBy.has(d)) index.replacedBy.set(d, k);
      for (const f of o.fallbackKeys ?? []) index.fallbackOf.set(f, k);
      const source = templateSource(k);
      if (source) index.templates.push({ source, pattern: new RegExp(source), key: k });
    }
    indexes.set(c, index);
  }
  return index;
}

/**
 * Every key Flink `c` reads: its options, and their deprecated and fallback names (`names`), and the
 * patterns of the keys its templates read (`patterns`: external-resource.<resource_name>.amount).
 */
export function readableKeys(c: FlinkOptionCatalogue): { names: string[]; patterns: string[] } {
  const index = indexOf(c);
  const templated = new Set(index.templates.map((t) => t.key));
  const names = [...index.keys, ...index.replacedBy.keys(), ...index.fallbackOf.keys()];
  return {
    names: [...new Set(names)].filter((k) => !templated.has(k)),
    patterns: index.templates.map((t) => t.source),
  };
}

/** The option whose template reads `key`, if one does. */
function templateOf(c: FlinkOptionCatalogue, key: string): string | undefined {
  return indexOf(c).templates.find((t) => t.pattern.test(key))?.key;
}

/** Whether Flink `c` reads `key` at all (an option, or an old name of one). */
function knows(c: FlinkOptionCatalogue, key: string): boolean {
  const index = indexOf(c);
  return (
    c.options[key] !== undefined ||
    index.replacedBy.has(key) ||
    index.fallbackOf.has(key) ||
    templateOf(c, key) !== undefined
  );
}

/** What Flink `catalogue.flinkVersion` makes of `key`. */
export function checkKey(key: string, catalogue: FlinkOptionCatalogue): KeyVerdict {
  const index = indexOf(catalogue);
  const option = catalogue.options[key];
  const replacement = index.replacedBy.get(key);
  const replacementOption =
    replacement !== undefined && replacement !== key ? catalogue.options[replacement] : undefined;
  if (option && !option.deprecated) return { kind: 'ok', option };
  if (replacementOption && !replacementOption.deprecated) {
    return {
      kind: 'deprecated',
      option: replacementOption,
      message: `"${key}" is a deprecated name of "${replacement}" in Flink ${catalogue.flinkVersion}; write "${replacement}"`,
    };
  }
  // Deprecated, and so is whatever replaces it.
  const deprecated = option ?? replacementOption;
  if (deprecated)
    return {
      kind: 'deprecated',
      option: deprecated,
      message: `"${key}" is deprecated in Flink ${catalogue.flinkVersion}; it still works, but will be removed`,
    };
  const fallback = index.fallbackOf.get(key);
  if (fallback !== undefined) return { kind: 'ok', option: catalogue.options[fallback] };
  const template = templateOf(catalogue, key);
  if (template !== undefined) {
    const templated = catalogue.options[template]!;
    if (!templated.deprecated) return { kind: 'ok', option: templated };
    return {
      kind: 'deprecated',
      option: templated,
      message: `"${key}" (${template}) is deprecated in Flink ${catalogue.flinkVersion}; it still works, but will be removed`,
    };
  }
  if (PLUGIN_PREFIXES.some((p) => key.startsWith(p))) return { kind: 'ok' };
  const near = closest(key, index.keys);
  // Known in another catalogued version: say when it came or went.
  const here = CATALOGUED_VERSIONS.indexOf(catalogue.flinkVersion as (typeof CATALOGUED_VERSIONS)[number]);
  const knownIn = CATALOGUED_VERSIONS.filter((v) => {
    const c = v === catalogue.flinkVersion ? undefined : flinkOptions(v);
    return c !== undefined && knows(c, key);
  });
  if (knownIn.length) {
    const older = knownIn.filter((v) => CATALOGUED_VERSIONS.indexOf(v) < here);
    const newer = knownIn.filter((v) => CATALOGUED_VERSIONS.indexOf(v) > here);
    const why = older.length
      ? `was removed after Flink ${older[older.length - 1]}`
      : `exists only from Flink ${newer[0]}`;
    return {
      kind: 'unknown',
      message: `"${key}" ${why}; Flink ${catalogue.flinkVersion} ignores it${near ? ` (did you mean "${near}"?)` : ''}`,
    };
  }
  return {
    kind: 'unknown',
    message: `"${key}" is not an option of Flink ${catalogue.flinkVersion}, which ignores keys it does not know${near ? `; did you mean "${near}"?` : `; expected an option of Flink ${catalogue.flinkVersion} (keys of file systems, reporters and other plugins are allowed under their prefixes, such as s3., fs. and metrics.reporter.)`}`,
  };
}

// --- Flink's memory model ------------------------------------------------------------------------

const MB = 1024 * 1024;
function fmt(bytes: number): string {
  return bytes % MB === 0 ? `${bytes / MB}m` : `${Math.round(bytes / MB)}m`;
}

/**
 * Why Flink would refuse to start a JobManager or TaskManager of `processBytes` with these settings
 * (undefined when it starts): Flink's derivation from the total process size
 * (JobManagerProcessUtils, TaskExecutorProcessUtils), with `catalogue`'s defaults.
 */
export function memoryProblem(
  role: 'jobmanager' | 'taskmanager',
  processBytes: number,
  conf: Record<string, unknown>,
  catalogue: FlinkOptionCatalogue,
): string | undefined {
  const set = (name: string): boolean => conf[`${role}.memory.${name}`] !== undefined;
  const opt = (name: string): string | undefined => {
    const key = `${role}.memory.${name}`;
    const v = conf[key];
    return v !== undefined ? String(v) : catalogue.options[key]?.default;
  };
  const size = (name: string): number => parseFlinkMemory(opt(name) ?? '0') ?? 0;
  // Fractions are Java floats, and MemorySize.multiply keeps whole bytes: as Flink computes them.
  const fraction = (name: string): number => Math.fround(Number(opt(name) ?? '0'));
  const times = (bytes: number, f: number): number => Math.floor(bytes * f);
  const refuse = (why: string) => `Flink ${catalogue.flinkVersion} would not start it: ${why}`;
  const metaspace = size('jvm-metaspace.size');
  const [overheadMin, overheadMax] = [size('jvm-overhead.min'), size('jvm-overhead.max')];

  // The total Flink memory: configured (flink.size; for the JobManager also heap + off-heap), in which case
  // the JVM Overhead is what the process size leaves and must fall in its range; else derived from the
  // process size with the overhead's fraction.
  let totalFlink: number;
  const heapSet = role === 'jobmanager' && set('heap.size');
  if (heapSet || set('flink.size')) {
    totalFlink = heapSet ? size('heap.size') + size('off-heap.size') : size('flink.size');
    const what = heapSet
      ? `JVM Heap (${fmt(size('heap.size'))}) and Off-Heap Memory (${fmt(size('off-heap.size'))})`
      : `Total Flink Memory (${fmt(totalFlink)})`;
    const overhead = processBytes - totalFlink - metaspace;
    if (overhead < 0)
      return refuse(
        `${what} and JVM Metaspace (${fmt(metaspace)}) exceed the total process memory (${fmt(processBytes)})`,
      );
    if (overhead < overheadMin || overhead > overheadMax)
      return refuse(
        `the total process memory (${fmt(processBytes)}) leaves ${fmt(overhead)} of JVM Overhead beside ${what} and JVM Metaspace (${fmt(metaspace)}), outside its range ${fmt(overheadMin)} to ${fmt(overheadMax)}`,
      );
    if (heapSet) return undefined;
  } else {
    const overhead = Math.min(
      Math.max(times(processBytes, fraction('jvm-overhead.fraction')), overheadMin),
      overheadMax,
    );
    totalFlink = processBytes - metaspace - overhead;
    if (totalFlink <= 0)
      return refuse(
        `JVM Metaspace (${fmt(metaspace)}) and JVM Overhead (${fmt(overhead)}) exceed the total process memory (${fmt(processBytes)})`,
      );
  }
  if (role === 'jobmanager') {
    const offHeap = size('off-heap.size');
    if (totalFlink - offHeap <= 0)
      return refuse(
        `Off-Heap Memory (${fmt(offHeap)}) leaves no JVM Heap of the total Flink memory (${fmt(totalFlink)})`,
      );
    return undefined;
  }
  // Task heap and managed memory both given: Flink's fine-grained path, not checked here.
  if (set('task.heap.size') && set('managed.size')) return undefined;
  const managed = set('managed.size')
    ? size('managed.size')
    : times(totalFlink, fraction('managed.fraction'));
  const fixed = size('framework.heap.size') + size('framework.off-heap.size') + size('task.off-heap.size');
  const [networkMin, networkMax] = [size('network.min'), size('network.max')];
  if (set('task.heap.size')) {
    // The network memory is what is left, and must fall in its range.
    const taskHeap = size('task.heap.size');
    const network = totalFlink - fixed - taskHeap - managed;
    if (network < networkMin || network > networkMax)
      return refuse(
        `Framework Heap and Off-Heap, Task Off-Heap (${fmt(fixed)}), Task Heap (${fmt(taskHeap)}) and Managed Memory (${fmt(managed)}) leave ${fmt(Math.max(network, 0))} of Network Memory in the total Flink memory (${fmt(totalFlink)}), outside its range ${fmt(networkMin)} to ${fmt(networkMax)}`,
      );
    return undefined;
  }
  const network = Math.min(Math.max(times(totalFlink, fraction('network.fraction')), networkMin), networkMax);
  if (totalFlink - fixed - managed - network < 0)
    return refuse(
      `Framework Heap and Off-Heap, Task Off-Heap (${fmt(fixed)}), Managed (${fmt(managed)}) and Network Memory (${fmt(network)}) exceed the total Flink memory (${fmt(totalFlink)}) left of ${fmt(processBytes)}`,
    );
  return undefined;
}
