// The spec's bytes as text: UTF-8 only (YAML 1.2 allows UTF-16 and UTF-32 too, but a spec that is not
// UTF-8 is almost always a file saved by mistake). A byte that is not UTF-8 is reported at its line and
// byte offset, never replaced with U+FFFD and read on.
import { InputError } from '../util/errors.js';

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    let n: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    if (i + n >= bytes.length) return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

export function decodeSpec(bytes: Uint8Array, file: string): string {
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0));
  if (utf16) {
    throw new InputError([
      {
        file,
        line: 1,
        col: 1,
        field: '(document)',
        message: 'the file is not UTF-8 (it looks like UTF-16); save it as UTF-8',
      },
    ]);
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < bad; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new InputError([
      {
        file,
        line,
        col: bad - lineStart + 1,
        field: '(document)',
        message: `byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at byte offset ${bad} is not UTF-8; save the file as UTF-8 (an editor's Latin-1 or Windows-1252 encoding writes such bytes for é, ü, …)`,
      },
    ]);
  }
  const text = Buffer.from(bytes).toString('utf8');
  // A UTF-8 byte order mark is harmless: dropped.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
