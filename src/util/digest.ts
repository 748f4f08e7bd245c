// sha256 of what Flinkship downloads and then runs or applies (the kind binary, Strimzi's manifests):
// each pinned version has its digest in the code, checked before the bytes are used.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The file's sha256; files here are binaries of tens of MB at most, so reading them whole is fine. */
export function sha256File(file: string): string {
  return sha256Hex(readFileSync(file));
}
