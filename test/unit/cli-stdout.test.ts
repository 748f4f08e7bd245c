// The CLI's stdout off a runner: @actions/core's debug commands (from @actions/tool-cache) are dropped,
// so `--output json` stays JSON; everything else passes as written.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import * as core from '@actions/core';
import { dropDebugCommands } from '../../src/cli/stdout.js';

describe('the CLI stdout off a runner', () => {
  it("drops @actions/core's ::debug:: lines and passes the rest unchanged", () => {
    const out = new PassThrough();
    let seen = '';
    out.on('data', (c: Buffer) => (seen += c.toString('utf8')));
    dropDebugCommands(out);
    out.write('{"a":1}\n');
    out.write('::debug::isExplicit: 0.30.0\n');
    out.write(Buffer.from('::debug::as a buffer\n'));
    out.write('text with ::debug:: inside\n');
    out.write(Buffer.from('::warning::not a debug line\n'));
    expect(seen).toBe('{"a":1}\ntext with ::debug:: inside\n::warning::not a debug line\n');
  });

  it('keeps a real process stdout JSON while @actions/core debugs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-cli-stdout-'));
    const script = path.join(dir, 'probe.mts');
    writeFileSync(
      script,
      [
        `import { dropDebugCommands } from ${JSON.stringify(path.resolve('src/cli/stdout.ts'))};`,
        `import * as core from ${JSON.stringify(path.resolve('node_modules/@actions/core/lib/core.js'))};`,
        'dropDebugCommands(process.stdout);',
        "core.debug('isExplicit: 0.30.0');",
        "process.stdout.write(JSON.stringify({ ok: true }) + '\\n');",
      ].join('\n'),
    );
    const out = execFileSync(path.resolve('node_modules/.bin/tsx'), [script], {
      encoding: 'utf8',
      env: { ...process.env, GITHUB_ACTIONS: '' },
    });
    expect(JSON.parse(out)).toEqual({ ok: true });
    expect(typeof core.debug).toBe('function');
  });
});
