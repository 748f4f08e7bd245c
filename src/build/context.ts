// The build context: a tar stream of exactly the files the plan lists (the generated Dockerfile and the
// spec's jar, libs and files), never a directory. Fixed times and owners, so the same inputs always make
// the same layers.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type { ContextFile } from '../plan/image.js';

export interface ContextEntry {
  /** Path inside the context. */
  name: string;
  /** Absolute path of the file on disk, or the content of a generated file. */
  file?: string;
  content?: string;
}

/** The plan's context list, with each source resolved against the spec's directory. */
export function contextEntries(files: ContextFile[], specDir: string, dockerfile: string): ContextEntry[] {
  return files.map((f) =>
    f.source === undefined
      ? { name: f.path, content: f.path === 'Dockerfile' ? dockerfile : '' }
      : { name: f.path, file: path.resolve(specDir, f.source) },
  );
}

const MTIME = new Date(0);

/** Streams the entries as a tar, one file at a time; the stream errors if a file cannot be read. */
export function tarContext(entries: ContextEntry[]): Readable {
  const tar = pack();
  const header = { mode: 0o644, mtime: MTIME, uid: 0, gid: 0, uname: '', gname: '' };
  (async () => {
    for (const entry of entries) {
      if (entry.file === undefined) {
        await new Promise<void>((resolve, reject) =>
          tar.entry({ ...header, name: entry.name }, entry.content ?? '', (err) =>
            err ? reject(err) : resolve(),
          ),
        );
        continue;
      }
      // The checked real path (see checkSources): a symlink put in its place since is not followed.
      const handle = await open(entry.file, constants.O_RDONLY | constants.O_NOFOLLOW);
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        throw new Error(`${entry.file} is not a file`);
      }
      const size = info.size;
      await new Promise<void>((resolve, reject) => {
        const sink = tar.entry({ ...header, name: entry.name, size }, (err) =>
          err ? reject(err) : resolve(),
        );
        const source = handle.createReadStream();
        source.on('error', reject);
        source.pipe(sink);
      });
    }
    tar.finalize();
  })().catch((err: Error) => tar.destroy(err));
  // tar-stream streams are streamx streams; hand Docker a Node stream.
  return Readable.from(tar);
}
