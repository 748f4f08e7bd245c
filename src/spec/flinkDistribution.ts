// What Flink's binary distribution, and so the official Flink image, ships in /opt/flink/opt and
// /opt/flink/plugins, per catalogued version: read from flink-dist/src/main/assemblies/opt.xml and
// plugins.xml of each release line (release-1.19 … release-2.3; neither file changed after its x.y.0).
// image.plugins copies a jar from opt/ into plugins/<name>/, which only makes sense for the jars Flink
// loads as plugins: the file systems. The others in opt/ are libraries, and the metric reporters and the
// GPU resource are plugins of the image already.
import type { CATALOGUED_VERSIONS } from './flinkOptions.js';
import { closest } from '../util/suggest.js';

type Version = (typeof CATALOGUED_VERSIONS)[number];

const FILE_SYSTEMS = [
  'flink-azure-fs-hadoop',
  'flink-gs-fs-hadoop',
  'flink-oss-fs-hadoop',
  'flink-s3-fs-hadoop',
  'flink-s3-fs-presto',
];
const LIBRARIES_2 = [
  'flink-python',
  'flink-queryable-state-runtime',
  'flink-shaded-netty-tcnative-dynamic',
  'flink-sql-client',
  'flink-sql-gateway',
  'flink-state-processor-api',
  'flink-table-planner_2.12',
];
const PLUGIN_DIRS_1 = [
  'external-resource-gpu',
  'metrics-datadog',
  'metrics-graphite',
  'metrics-influx',
  'metrics-jmx',
  'metrics-prometheus',
  'metrics-slf4j',
  'metrics-statsd',
];

export interface FlinkDistribution {
  /** Jars of opt/ that Flink loads as plugins: what image.plugins may name. */
  plugins: string[];
  /** Jars of opt/ that are libraries (they belong in lib/, not plugins/). */
  libraries: string[];
  /** The image's own plugins/ directories. */
  pluginDirs: string[];
}

export const FLINK_DISTRIBUTION: Record<Version, FlinkDistribution> = {
  '1.19': {
    plugins: FILE_SYSTEMS,
    libraries: ['flink-cep-scala_2.12', ...LIBRARIES_2],
    pluginDirs: PLUGIN_DIRS_1,
  },
  '1.20': {
    plugins: FILE_SYSTEMS,
    libraries: ['flink-cep-scala_2.12', ...LIBRARIES_2],
    pluginDirs: PLUGIN_DIRS_1,
  },
  '2.0': { plugins: FILE_SYSTEMS, libraries: LIBRARIES_2, pluginDirs: [...PLUGIN_DIRS_1, 'metrics-otel'] },
  '2.1': { plugins: FILE_SYSTEMS, libraries: LIBRARIES_2, pluginDirs: [...PLUGIN_DIRS_1, 'metrics-otel'] },
  '2.2': { plugins: FILE_SYSTEMS, libraries: LIBRARIES_2, pluginDirs: [...PLUGIN_DIRS_1, 'metrics-otel'] },
  '2.3': {
    plugins: [...FILE_SYSTEMS, 'flink-s3-fs-native'].sort(),
    libraries: LIBRARIES_2,
    pluginDirs: [...PLUGIN_DIRS_1, 'metrics-otel'],
  },
};

/** The plugins/ directory of the image that holds the jar `name` (flink-metrics-influxdb → metrics-influx). */
function pluginDirOf(name: string, dirs: string[]): string | undefined {
  const bare = name.replace(/^flink-/, '');
  return dirs.find((d) => bare.startsWith(d));
}

/** What is wrong with naming `name` in image.plugins for the official image of `flinkVersion`, if anything. */
export function pluginProblem(name: string, flinkVersion: string): string | undefined {
  const dist = (FLINK_DISTRIBUTION as Record<string, FlinkDistribution | undefined>)[flinkVersion];
  if (!dist || dist.plugins.includes(name)) return undefined;
  const valid = `the file systems in its /opt/flink/opt: ${dist.plugins.join(', ')}`;
  if (dist.libraries.includes(name)) {
    return `found "${name}", a library in Flink ${flinkVersion}'s /opt/flink/opt, not a plugin: Flink loads it from /opt/flink/lib (add the jar to image.libs); image.plugins takes ${valid}`;
  }
  const dir = pluginDirOf(name, dist.pluginDirs);
  if (dir) {
    return `found "${name}", already a plugin of the Flink ${flinkVersion} image (/opt/flink/plugins/${dir}/): remove it here; image.plugins takes ${valid}`;
  }
  const elsewhere = Object.entries(FLINK_DISTRIBUTION)
    .filter(([, d]) => d.plugins.includes(name))
    .map(([v]) => v);
  const near = closest(name, [...dist.plugins, ...dist.libraries]);
  const hint = elsewhere.length
    ? ` (Flink ${elsewhere.join(', ')} ${elsewhere.length > 1 ? 'have' : 'has'} it)`
    : near
      ? ` (did you mean "${near}"?)`
      : '';
  return `found "${name}", which Flink ${flinkVersion}'s /opt/flink/opt does not have${hint}; image.plugins takes ${valid}`;
}
