// The build's input checks, all done before the engine or a registry is touched: the flag overrides,
// the job jar and its entry class, and every file of the build context. Each problem is an InputIssue
// located at its flag, input or spec line.
import { stat } from 'node:fs/promises';
import type { Origin } from '../options/options.js';
import { jarFileName, type ContextFile, type ImagePlan } from '../plan/image.js';
import type { LoadedSpec, ResolvedEnvironment } from '../spec/types.js';
import { InputError, type InputIssue } from '../util/errors.js';
import { BASE_IMAGE_HINT, parseImageRef } from '../util/imageRef.js';
import type { ContextEntry } from './context.js';
import { checkEntryClass, isJarProblem, readJar } from './jar.js';
import { MAVEN_CENTRAL, type ResolveOptions } from '../executors/maven.js';
import { locateSpecField, type SpecField } from './locate.js';
import { repositoryRoot, resolveSource } from './sources.js';

export function flagIssue(origin: Origin, name: string, message: string): InputIssue {
  return {
    file: origin === 'flags' ? '<flags>' : '<inputs>',
    field: origin === 'flags' ? `--${name}` : name,
    message,
  };
}

export function specIssue(loaded: LoadedSpec, field: SpecField, message: string): InputIssue {
  return { file: loaded.file, field: field.name, ...field.at, message };
}

/** Applies --repository and --base-image to the environment; true when the base came from them. */
export function applyOverrides(
  env: ResolvedEnvironment,
  overrides: { repository?: string; 'base-image'?: string },
  origin: Origin,
): { baseFromFlags: boolean } {
  const issues: InputIssue[] = [];
  let baseFromFlags = false;
  if (overrides.repository !== undefined) {
    const ref = parseImageRef(overrides.repository);
    if (!ref || ref.tag || ref.digest) {
      issues.push(
        flagIssue(
          origin,
          'repository',
          `found "${overrides.repository}"; expected a repository without tag or digest, such as registry.example.com/team/job`,
        ),
      );
    } else env.image.repository = overrides.repository;
  }
  const base = overrides['base-image'];
  if (base !== undefined) {
    const ref = parseImageRef(base);
    if (!ref) {
      issues.push(flagIssue(origin, 'base-image', `found "${base}"; expected ${BASE_IMAGE_HINT}`));
    } else {
      baseFromFlags = true;
      env.image.base = base;
      // The spec's baseDigest pins the spec's base, not this one.
      if (ref.digest) env.image.baseDigest = ref.digest;
      else delete env.image.baseDigest;
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return { baseFromFlags };
}

export interface JarCheck {
  entryClass: string;
  fromManifest: boolean;
  classes: number;
}

/** The jar is a readable zip that holds the entry class (job.entryClass, or the manifest's Main-Class). */
export async function checkJobJar(
  loaded: LoadedSpec,
  env: ResolvedEnvironment,
  envName: string | undefined,
  jarFile: string,
): Promise<JarCheck> {
  const jar = await readJar(jarFile);
  if (isJarProblem(jar)) {
    const why =
      jar.kind === 'missing'
        ? `${jarFile} does not exist; build the jar first (mvn package), or fix the path (relative to ${loaded.dir})`
        : jar.kind === 'not-a-file'
          ? `${jarFile} is not a file; expected the path of the job's jar`
          : `${jarFile} is not a valid jar (${jar.reason}); expected the job's packaged jar (a zip)`;
    throw new InputError([specIssue(loaded, locateSpecField(loaded, envName, ['job', 'jar']), why)]);
  }
  const decision = checkEntryClass(jar, env.job.entryClass, jarFileName(env.job.jar!));
  if (!decision.ok) {
    const field = locateSpecField(loaded, envName, ['job', 'entryClass']);
    throw new InputError([specIssue(loaded, field, decision.message)]);
  }
  return { entryClass: decision.entryClass, fromManifest: decision.fromManifest, classes: jar.classes.size };
}

/**
 * The spec field a context file comes from: planImage names them lib/<name>, files/<index>/<name>,
 * usrlib/<jar>, and for a SQL job usrlib/<lib> and usrlib/<script>.
 */
function sourceField(env: ResolvedEnvironment, f: ContextFile): string[] {
  if (f.path.startsWith('usrlib/')) {
    if (env.job.sql === undefined) return ['job', 'jar'];
    const lib = (env.job.libs ?? []).indexOf(f.source!);
    return lib >= 0 ? ['job', 'libs', String(lib)] : ['job', 'sql'];
  }
  if (f.path.startsWith('lib/')) return ['image', 'libs', String((env.image.libs ?? []).indexOf(f.source!))];
  return ['image', 'files', f.path.split('/')[1]!, 'source'];
}

/**
 * Every file the plan copies lies in the spec's repository, as written and after symlinks; the entries
 * come back with real paths, so that the build reads exactly the files checked. Before anything is read.
 */
export async function checkSources(
  loaded: LoadedSpec,
  env: ResolvedEnvironment,
  envName: string | undefined,
  image: ImagePlan,
  entries: ContextEntry[],
): Promise<ContextEntry[]> {
  const root = await repositoryRoot(loaded.dir);
  const issues: InputIssue[] = [];
  const checked: ContextEntry[] = [];
  for (const [i, f] of image.context.entries()) {
    const entry = entries[i]!;
    if (f.source === undefined) {
      checked.push(entry);
      continue;
    }
    const resolved = await resolveSource(root, loaded.dir, f.source);
    if ('refused' in resolved) {
      issues.push(specIssue(loaded, locateSpecField(loaded, envName, sourceField(env, f)), resolved.refused));
    } else checked.push({ ...entry, file: resolved.file });
  }
  if (issues.length > 0) throw new InputError(issues);
  return checked;
}

/** Every lib and extra file the plan copies is a readable file. */
export async function checkContextFiles(
  loaded: LoadedSpec,
  env: ResolvedEnvironment,
  envName: string | undefined,
  image: ImagePlan,
  entries: ContextEntry[],
): Promise<void> {
  const issues: InputIssue[] = [];
  for (const [i, f] of image.context.entries()) {
    // The job jar is checked as a jar (checkJobJar); a SQL job's script was read with the spec.
    if (
      f.source === undefined ||
      (f.path.startsWith('usrlib/') && f.source === (env.job.jar ?? env.job.sql))
    ) {
      continue;
    }
    const file = entries[i]!.file!;
    const isFile = await stat(file).then(
      (s) => s.isFile(),
      () => false,
    );
    if (isFile) continue;
    issues.push(
      specIssue(
        loaded,
        locateSpecField(loaded, envName, sourceField(env, f)),
        `${file} is not a readable file; fix the path (relative to ${loaded.dir})`,
      ),
    );
  }
  if (issues.length > 0) throw new InputError(issues);
}

/** The Maven repositories for a SQL job's connectors: --maven-repository (in order), else Maven Central. */
export function mavenOptions(request: { 'maven-repository'?: string[] }, origin: Origin): ResolveOptions {
  const given = request['maven-repository'] ?? [];
  const issues: InputIssue[] = [];
  for (const url of given) {
    let ok = false;
    try {
      const u = new URL(url);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
    } catch {
      ok = false;
    }
    if (!ok) {
      issues.push(
        flagIssue(
          origin,
          'maven-repository',
          `found "${url}"; expected the http(s) URL of a Maven repository without credentials in it, such as ${MAVEN_CENTRAL}`,
        ),
      );
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return given.length > 0 ? { repositories: given.map((u) => u.replace(/\/+$/, '')) } : {};
}
