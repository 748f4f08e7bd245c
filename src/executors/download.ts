// Downloads over HTTPS, pinned by sha256: the one place Flinkship fetches bytes from a URL into memory.
// The bytes are returned only when their digest is the pinned one, so nothing else reaches the caller;
// the caller says what was downloaded in its own messages (see DownloadFailed, DigestMismatch).
import { sha256Hex } from '../util/digest.js';

/** The request failed, answered with an error status, or was redirected off https. */
export class DownloadFailed extends Error {}

/** The bytes arrived but their sha256 is `actual`, not the pinned one. */
export class DigestMismatch extends Error {
  constructor(
    readonly url: string,
    readonly actual: string,
    readonly expected: string,
  ) {
    super(`${url} has sha256 ${actual}, not the pinned ${expected}`);
  }
}

export interface DownloadOptions {
  /** The pinned sha256 (hex) the content must have. */
  sha256: string;
  /** Default 60 s. */
  timeoutMs?: number;
}

export async function download(url: string, options: DownloadOptions): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    const res = await fetch(url, {
      redirect: 'follow',
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    // A redirect may leave https; the digest below would catch changed bytes, but say what happened.
    if (!res.url.startsWith('https://')) throw new Error(`redirected to ${res.url}, not https`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    throw new DownloadFailed((err as Error).message);
  }
  const actual = sha256Hex(bytes);
  if (actual !== options.sha256) throw new DigestMismatch(url, actual, options.sha256);
  return bytes;
}
