// A fork pull request's preview artifact: what its untrusted `pull_request` run hands to the trusted
// `workflow_run` run. Two files in a zip: `job.jar` (the jar the pull request built) and
// `pull-request.json` (which pull request, at which head, and the jar's sha256). The trusted run believes
// none of it until it checked it: the zip against the digest GitHub recorded at upload, the pull request
// number against GitHub's own record of that pull request's head, the jar against the manifest. Nothing
// in it is ever executed by the trusted run; the jar is copied into an image Flinkship's own Dockerfile
// builds. Pure, apart from reading the zip from memory.
import { createHash } from 'node:crypto';
import yauzl from 'yauzl';

export const ARTIFACT_NAME = 'flinkship-preview';
export const JAR_ENTRY = 'job.jar';
export const MANIFEST_ENTRY = 'pull-request.json';
export const ARTIFACT_LIMITS = {
  zipBytes: 512 * 1024 * 1024,
  jarBytes: 512 * 1024 * 1024,
  manifestBytes: 16 * 1024,
};

export interface PreviewManifest {
  version: 1;
  pullRequest: number;
  headSha: string;
  jar: { sha256: string; size: number };
}

export class ArtifactRefused extends Error {}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function makeManifest(pullRequest: number, headSha: string, jar: Uint8Array): PreviewManifest {
  return { version: 1, pullRequest, headSha, jar: { sha256: sha256Hex(jar), size: jar.byteLength } };
}

/** The manifest, strictly: every field present with its type, nothing else. */
export function parseManifest(text: string): PreviewManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ArtifactRefused(`${MANIFEST_ENTRY} is not JSON (${(err as Error).message})`);
  }
  const v = value as Partial<PreviewManifest> & Record<string, unknown>;
  const problems: string[] = [];
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new ArtifactRefused(`${MANIFEST_ENTRY} is not an object`);
  const extra = Object.keys(v).filter((k) => !['version', 'pullRequest', 'headSha', 'jar'].includes(k));
  if (extra.length) problems.push(`unknown keys ${extra.join(', ')}`);
  if (v.version !== 1) problems.push('version must be 1');
  if (
    !Number.isInteger(v.pullRequest) ||
    (v.pullRequest as number) < 1 ||
    (v.pullRequest as number) > 999_999_999
  )
    problems.push('pullRequest must be a pull request number');
  if (typeof v.headSha !== 'string' || !/^[0-9a-f]{40}$/.test(v.headSha))
    problems.push('headSha must be 40 hex digits');
  const jar = v.jar as Partial<PreviewManifest['jar']> | undefined;
  if (
    !jar ||
    typeof jar !== 'object' ||
    typeof jar.sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(jar.sha256) ||
    !Number.isInteger(jar.size) ||
    Object.keys(jar).length !== 2
  )
    problems.push('jar must be { sha256: <64 hex>, size: <bytes> }');
  if (problems.length) throw new ArtifactRefused(`${MANIFEST_ENTRY}: ${problems.join('; ')}`);
  return v as PreviewManifest;
}

/**
 * The artifact's two files, read from its zip in memory. Anything else in it (a third entry, a directory,
 * a path, an encrypted or oversized entry, one name twice) refuses the whole artifact.
 */
export async function readArtifactZip(zip: Buffer): Promise<{ jar: Buffer; manifest: string }> {
  const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (err, z) =>
      err || !z ? reject(new ArtifactRefused(`not a zip (${err?.message ?? 'empty'})`)) : resolve(z),
    ),
  );
  const found = new Map<string, Buffer>();
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (message: string) => reject(new ArtifactRefused(message));
      zipfile.on('error', (err: Error) => fail(`not a valid zip (${err.message})`));
      zipfile.on('end', () => resolve());
      zipfile.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName;
        const limit = name === JAR_ENTRY ? ARTIFACT_LIMITS.jarBytes : ARTIFACT_LIMITS.manifestBytes;
        if (name !== JAR_ENTRY && name !== MANIFEST_ENTRY)
          return fail(
            `unexpected entry ${JSON.stringify(name)}; expected only ${JAR_ENTRY} and ${MANIFEST_ENTRY}`,
          );
        if (found.has(name)) return fail(`${name} appears twice`);
        if (entry.isEncrypted()) return fail(`${name} is encrypted`);
        if (entry.uncompressedSize > limit) return fail(`${name} is larger than ${limit} bytes`);
        zipfile.openReadStream(entry, (err, stream) => {
          if (err || !stream) return fail(`${name} cannot be read (${err?.message ?? 'no stream'})`);
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (c: Buffer) => {
            size += c.length;
            if (size > limit) stream.destroy(new ArtifactRefused(`${name} is larger than ${limit} bytes`));
            else chunks.push(c);
          });
          stream.on('error', (e: Error) =>
            fail(e instanceof ArtifactRefused ? e.message : `${name}: ${e.message}`),
          );
          stream.on('end', () => {
            found.set(name, Buffer.concat(chunks));
            zipfile.readEntry();
          });
        });
      });
      zipfile.readEntry();
    });
  } finally {
    zipfile.close();
  }
  const jar = found.get(JAR_ENTRY);
  const manifest = found.get(MANIFEST_ENTRY);
  if (!jar || !manifest)
    throw new ArtifactRefused(`the artifact must hold ${JAR_ENTRY} and ${MANIFEST_ENTRY}`);
  return { jar, manifest: manifest.toString('utf8') };
}

/** What the trusted run has learned from GitHub itself, to hold the artifact against. */
export interface TrustedFacts {
  /** The head commit of the run that made the artifact (the workflow_run event's head_sha). */
  headSha: string;
  /** `sha256:<hex>` GitHub recorded for the artifact at upload. */
  digest: string | undefined;
  /** The run that made the artifact, as GitHub lists it. */
  artifactHeadSha: string | undefined;
}

/** Checks the zip's digest and the manifest's claims that need no further lookup; returns them. */
export async function verifyArtifact(
  zip: Buffer,
  facts: TrustedFacts,
): Promise<{ manifest: PreviewManifest; jar: Buffer }> {
  if (!facts.digest)
    throw new ArtifactRefused('GitHub recorded no digest for the artifact, so it cannot be verified');
  const actual = `sha256:${sha256Hex(zip)}`;
  if (actual !== facts.digest)
    throw new ArtifactRefused(`the artifact's bytes (${actual}) are not what was uploaded (${facts.digest})`);
  if (facts.artifactHeadSha !== undefined && facts.artifactHeadSha !== facts.headSha)
    throw new ArtifactRefused(
      `the artifact was made by a run of ${facts.artifactHeadSha}, not of the run's head ${facts.headSha}`,
    );
  const { jar, manifest: text } = await readArtifactZip(zip);
  const manifest = parseManifest(text);
  if (manifest.headSha !== facts.headSha)
    throw new ArtifactRefused(
      `${MANIFEST_ENTRY} names head ${manifest.headSha}, but the run built ${facts.headSha}`,
    );
  if (sha256Hex(jar) !== manifest.jar.sha256 || jar.length !== manifest.jar.size)
    throw new ArtifactRefused(`${JAR_ENTRY} is not the jar ${MANIFEST_ENTRY} describes`);
  return { manifest, jar };
}
