// The job jar, checked before any build: a readable zip, with the entry class in it, or a manifest
// that names one. Reading uses yauzl; deciding what is wrong is pure (checkEntryClass).
import { stat } from 'node:fs/promises';
import yauzl from 'yauzl';
import { closest } from '../util/suggest.js';

export interface JarContents {
  /** Class names (dev.acme.Job), top-level and nested. */
  classes: Set<string>;
  mainClass?: string;
}

const MAX_MANIFEST_BYTES = 1024 * 1024;

function open(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    ),
  );
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  return new Promise((resolve, reject) => {
    if (entry.uncompressedSize > MAX_MANIFEST_BYTES) {
      reject(new Error(`${entry.fileName} is larger than ${MAX_MANIFEST_BYTES} bytes`));
      return;
    }
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  });
}

/** The Main-Class attribute of a manifest (its main section; continuation lines start with a space). */
export function manifestMainClass(manifest: string): string | undefined {
  const lines: string[] = [];
  for (const line of manifest.split(/\r?\n/)) {
    if (line === '') break;
    if (line.startsWith(' ') && lines.length > 0) lines[lines.length - 1] += line.slice(1);
    else lines.push(line);
  }
  for (const line of lines) {
    const m = /^Main-Class:\s*(.+?)\s*$/i.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

export type JarProblem = { kind: 'missing' } | { kind: 'not-a-file' } | { kind: 'invalid'; reason: string };

/** Reads the jar; a problem instead when it is not there or not a zip. */
export async function readJar(file: string): Promise<JarContents | JarProblem> {
  try {
    if (!(await stat(file)).isFile()) return { kind: 'not-a-file' };
  } catch {
    return { kind: 'missing' };
  }
  let zip: yauzl.ZipFile;
  try {
    zip = await open(file);
  } catch (err) {
    return { kind: 'invalid', reason: (err as Error).message };
  }
  return new Promise((resolve) => {
    const classes = new Set<string>();
    let mainClass: string | undefined;
    const fail = (err: Error) => {
      zip.close();
      resolve({ kind: 'invalid', reason: err.message });
    };
    zip.on('error', fail);
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      if (name.endsWith('.class') && !name.startsWith('META-INF/')) {
        classes.add(name.slice(0, -'.class'.length).replaceAll('/', '.'));
      }
      if (name.toUpperCase() === 'META-INF/MANIFEST.MF') {
        readEntry(zip, entry).then((text) => {
          mainClass = manifestMainClass(text);
          zip.readEntry();
        }, fail);
      } else zip.readEntry();
    });
    zip.on('end', () => resolve({ classes, ...(mainClass ? { mainClass } : {}) }));
    zip.readEntry();
  });
}

export function isJarProblem(value: JarContents | JarProblem): value is JarProblem {
  return 'kind' in value;
}

export type EntryClassDecision =
  { ok: true; entryClass: string; fromManifest: boolean } | { ok: false; message: string };

/** Which class the job runs, or why the jar cannot run it. `jarName` is for messages. */
export function checkEntryClass(
  jar: JarContents,
  entryClass: string | undefined,
  jarName: string,
): EntryClassDecision {
  if (entryClass === undefined) {
    if (!jar.mainClass) {
      return {
        ok: false,
        message: `not set, and ${jarName} has no Main-Class in META-INF/MANIFEST.MF; set job.entryClass to the class with the job's main method`,
      };
    }
    if (!jar.classes.has(jar.mainClass)) {
      return {
        ok: false,
        message: `not set, and the Main-Class ${jar.mainClass} that ${jarName}'s manifest names is not in the jar; set job.entryClass or fix the manifest`,
      };
    }
    return { ok: true, entryClass: jar.mainClass, fromManifest: true };
  }
  if (jar.classes.has(entryClass)) return { ok: true, entryClass, fromManifest: false };
  const topLevel = [...jar.classes].filter((c) => !c.includes('$'));
  const guess = closest(entryClass, topLevel) ?? jar.mainClass;
  const hint = guess ? ` (did you mean "${guess}"?)` : '';
  return {
    ok: false,
    message: `class ${entryClass} is not in ${jarName}${hint}; expected a fully qualified class name of a class in the jar (${jar.classes.size} classes)`,
  };
}
