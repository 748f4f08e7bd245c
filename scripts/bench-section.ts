// Writes one benchmark's section of docs/BENCHMARKS.md, between its start and end markers, formatted.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';

export const BENCHMARKS_FILE = path.resolve(import.meta.dirname, '../docs/BENCHMARKS.md');

export async function writeBenchSection(name: string, body: string): Promise<void> {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n\n${body.trim()}\n\n${end}`;
  let doc = await readFile(BENCHMARKS_FILE, 'utf8');
  doc = doc.includes(start)
    ? doc.slice(0, doc.indexOf(start)) + section + doc.slice(doc.indexOf(end) + end.length)
    : `${doc.trimEnd()}\n\n${section}\n`;
  const options = { ...(await prettier.resolveConfig(BENCHMARKS_FILE)), filepath: BENCHMARKS_FILE };
  await writeFile(BENCHMARKS_FILE, await prettier.format(doc, options));
  console.log(section);
}
