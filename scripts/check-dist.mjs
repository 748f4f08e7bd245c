// Fails when the committed dist/ differs from a fresh build of the sources.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle } from './build.mjs';

function files(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full, base) : [path.relative(base, full)];
  });
}

const fresh = mkdtempSync(path.join(tmpdir(), 'flinkship-dist-'));
try {
  await bundle(fresh);
  const want = files(fresh).sort();
  let have = [];
  try {
    have = files('dist').sort();
  } catch {
    // No dist/ at all: every file below is reported missing.
  }
  const problems = [];
  for (const f of want) {
    if (!have.includes(f)) problems.push(`missing: dist/${f}`);
    else if (!readFileSync(path.join(fresh, f)).equals(readFileSync(path.join('dist', f))))
      problems.push(`stale: dist/${f}`);
  }
  for (const f of have) if (!want.includes(f)) problems.push(`extra: dist/${f}`);
  if (problems.length) {
    console.error(
      `dist/ does not match a fresh build of the sources; run \`npm run build\` and commit dist/:\n  ${problems.join('\n  ')}`,
    );
    process.exit(1);
  }
  console.log(`dist/ is up to date (${want.length} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
