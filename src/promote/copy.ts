// Copies an image by digest from one repository to another through the OCI distribution API, so that
// the destination serves the very same digest: every manifest (an index with each child it lists,
// attestation manifests included) and every blob they reference. Blobs the destination has are left;
// on the same registry the others are mounted across repositories (no bytes move); across registries
// they are streamed from source to destination, never held whole. Manifests go in after what they
// reference, by digest, and the digest the destination reports must be the source's.
import { describeError, withRetry } from '../executors/retry.js';
import { INDEX_TYPES, type Descriptor, type RawManifest, type Registry } from '../executors/registry.js';
import type { Ui } from '../ui/ui.js';
import { OperationError } from '../util/errors.js';

/** The registry calls the copy makes (the Registry executor; an interface so the walk is testable). */
export type RegistryApi = Pick<
  Registry,
  'rawManifest' | 'hasManifest' | 'hasBlob' | 'mountBlob' | 'openBlob' | 'uploadBlob' | 'putManifest'
>;

export interface ImageEnd {
  registry: RegistryApi;
  host: string;
  path: string;
}

export type BlobAction = 'present' | 'mounted' | 'uploaded';

export interface CopyReport {
  digest: string;
  dryRun: boolean;
  /** same-repository: nothing to copy; mount: same registry; upload: across registries. */
  mode: 'same-repository' | 'mount' | 'upload';
  /** Children before the index that lists them. */
  manifests: { digest: string; mediaType: string; action: 'present' | 'put' }[];
  /** In a dry run, what would be done. */
  blobs: { digest: string; size: number; action: BlobAction }[];
  bytes: Record<BlobAction, number>;
}

const MAX_MANIFESTS = 256;
const MAX_DEPTH = 3;
const PARALLEL_BLOBS = 6;

interface Walked {
  /** Post-order: every manifest after the ones it lists. */
  manifests: RawManifest[];
  blobs: Descriptor[];
}

/** Reads the manifest and, for an index, every manifest it lists; collects the blobs they reference. */
async function walk(src: ImageEnd, digest: string): Promise<Walked> {
  const manifests: RawManifest[] = [];
  const blobs = new Map<string, Descriptor>();
  const seen = new Set<string>();
  const visit = async (d: string, depth: number): Promise<void> => {
    if (seen.has(d)) return;
    seen.add(d);
    if (seen.size > MAX_MANIFESTS) {
      throw new OperationError(
        `${src.host}/${src.path}@${digest} lists more than ${MAX_MANIFESTS} manifests`,
      );
    }
    const m = await src.registry.rawManifest(src.path, d);
    const body = JSON.parse(m.bytes.toString('utf8')) as {
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    };
    if (INDEX_TYPES.includes(m.mediaType) || Array.isArray(body.manifests)) {
      if (depth >= MAX_DEPTH) {
        throw new OperationError(`${src.host}/${src.path}@${digest} nests indexes deeper than ${MAX_DEPTH}`);
      }
      for (const child of body.manifests ?? []) await visit(child.digest, depth + 1);
    } else {
      for (const b of [...(body.config ? [body.config] : []), ...(body.layers ?? [])]) blobs.set(b.digest, b);
    }
    manifests.push(m);
  };
  await visit(digest, 0);
  return { manifests, blobs: [...blobs.values()] };
}

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export async function copyImage(
  src: ImageEnd,
  dst: ImageEnd,
  digest: string,
  options: { dryRun: boolean; ui: Pick<Ui, 'info'> },
): Promise<CopyReport> {
  const { ui, dryRun } = options;
  const sameRegistry = src.host === dst.host;
  const mode = sameRegistry && src.path === dst.path ? 'same-repository' : sameRegistry ? 'mount' : 'upload';
  const { manifests, blobs } = await walk(src, digest);
  const report: CopyReport = {
    digest,
    dryRun,
    mode,
    manifests: [],
    blobs: [],
    bytes: { present: 0, mounted: 0, uploaded: 0 },
  };
  const would = dryRun ? 'would be ' : '';

  await eachLimited(blobs, PARALLEL_BLOBS, async (b) => {
    let action: BlobAction;
    if (mode === 'same-repository' || (await dst.registry.hasBlob(dst.path, b.digest))) action = 'present';
    else if (dryRun) action = sameRegistry ? 'mounted' : 'uploaded';
    else if (sameRegistry && (await dst.registry.mountBlob(dst.path, b.digest, src.path))) action = 'mounted';
    else {
      // A failed transfer is retried whole, from a fresh read of the source (bounded).
      await withRetry(
        `copying ${b.digest} to ${dst.host}/${dst.path}`,
        async () => {
          const blob = await src.registry.openBlob(src.path, b.digest);
          await dst.registry.uploadBlob(dst.path, b.digest, blob.size >= 0 ? blob.size : b.size, blob);
        },
        {
          policy: { attempts: 4, baseDelayMs: 500, maxDelayMs: 5_000, deadlineMs: 120_000 },
          onRetry: (attempt, err, delayMs) =>
            ui.info(
              `blob ${b.digest.slice(0, 19)}…: attempt ${attempt} failed (${describeError(err)}); retrying in ${delayMs} ms`,
            ),
        },
      );
      action = 'uploaded';
    }
    report.blobs.push({ digest: b.digest, size: b.size, action });
    report.bytes[action] += b.size;
    ui.info(
      `blob ${b.digest.slice(0, 19)}… ${formatBytes(b.size)}: ${action === 'present' ? 'already there' : would + action}`,
    );
  });

  for (const m of manifests) {
    const present = mode === 'same-repository' || (await dst.registry.hasManifest(dst.path, m.digest));
    if (!present && !dryRun) {
      const stored = await dst.registry.putManifest(dst.path, m.digest, m);
      if (stored !== m.digest) {
        throw new OperationError(
          `${dst.host}/${dst.path} stored the manifest ${m.digest} as ${stored}: the registry rewrote it, so the destination would not run the digest the source verified; nothing is deployed`,
        );
      }
    }
    report.manifests.push({ digest: m.digest, mediaType: m.mediaType, action: present ? 'present' : 'put' });
    ui.info(
      `manifest ${m.digest.slice(0, 19)}… (${m.mediaType}): ${present ? 'already there' : `${would}stored`}`,
    );
  }
  if (mode === 'same-repository' && !(await dst.registry.hasManifest(dst.path, digest))) {
    throw new OperationError(`${dst.host}/${dst.path} does not serve ${digest}`);
  }
  return report;
}
