// The bundle as the runner loads it: built by the real build script (esbuild) into a temp directory, its
// metafile read back. An action loads its entry's static imports and, through the verb catalogue, the one
// verb it runs; `validate` and `plan` must never load the Kubernetes client, dockerode or octokit. The
// sources have no import circles (type-only imports are erased and do not count).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the build script is plain JavaScript without types.
import { bundle } from '../../scripts/build.mjs';

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
  outputs: Record<
    string,
    {
      entryPoint?: string;
      imports: { path: string; kind: string; external?: boolean }[];
      inputs: Record<string, unknown>;
    }
  >;
}

const HEAVY = ['node_modules/@kubernetes/client-node/', 'node_modules/dockerode/', 'node_modules/@octokit/'];
// What @actions/core would drag in without the build's side-effect-free declarations: its OIDC client's HTTP
// stack and its platform details.
const CORE_EXTRAS = [
  'node_modules/@actions/http-client/',
  'node_modules/undici/',
  'node_modules/tunnel/',
  'node_modules/@actions/exec/',
];

let root: string;
let out: string;
let meta: Metafile;
beforeAll(async () => {
  // As the package lays it out: dist/ beside schema/ (the bundle reads Flink's option catalogue there).
  root = mkdtempSync(path.join(tmpdir(), 'flinkship-bundle-'));
  out = path.join(root, 'dist');
  symlinkSync(path.resolve('schema'), path.join(root, 'schema'));
  meta = (await bundle(out)).metafile as Metafile;
}, 180_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The source files an output loads before any dynamic import runs: its static closure. */
function staticInputs(
  start: string[],
  follow: (kind: string) => boolean = (k) => k === 'import-statement',
): Set<string> {
  const seen = new Set<string>();
  const files = new Set<string>();
  const todo = [...start];
  while (todo.length > 0) {
    const output = todo.pop()!;
    if (seen.has(output)) continue;
    seen.add(output);
    const o = meta.outputs[output];
    if (!o) throw new Error(`no output ${output} in the metafile`);
    for (const input of Object.keys(o.inputs)) files.add(input);
    for (const i of o.imports) if (follow(i.kind) && !i.external) todo.push(i.path);
  }
  return files;
}

function outputOf(entryPoint: string, under: string): string {
  const found = Object.entries(meta.outputs).find(
    ([file, o]) => o.entryPoint === entryPoint && file.includes(`/${under}`),
  );
  if (!found) throw new Error(`no output for ${entryPoint} under ${under}`);
  return found[0];
}

describe('the bundle', () => {
  it.each([
    ['src/action/validate.ts', 'src/verbs/validate.ts'],
    ['src/action/plan.ts', 'src/verbs/plan.ts'],
    ['src/cli/main.ts', 'src/verbs/validate.ts'],
    ['src/cli/main.ts', 'src/verbs/plan.ts'],
  ])('%s running %s loads no Kubernetes client, dockerode, octokit or HTTP stack', (entry, verb) => {
    const under = entry.startsWith('src/action/') ? 'actions/' : 'cli.js';
    const loaded = [...staticInputs([outputOf(entry, under), outputOf(verb, 'chunks/')])];
    expect(loaded.filter((f) => [...HEAVY, ...CORE_EXTRAS].some((h) => f.includes(h)))).toEqual([]);
    expect(loaded).toContain(verb);
    if (under === 'actions/') expect(loaded).toContain('node_modules/@actions/core/lib/core.js');
  });

  it('still bundles the HTTP stack for the verbs that use it (deploy reports to GitHub through it)', () => {
    const reachable = [...staticInputs([outputOf('src/action/deploy.ts', 'actions/')], () => true)];
    expect(reachable).toContain('src/executors/github.ts');
    expect(reachable.some((f) => f.includes('/@actions/http-client/lib/index.js'))).toBe(true);
    expect(reachable).toContain('node_modules/undici/index.js');
  });

  it("validates with the schema compiled at build time, never loading ajv's compiler", () => {
    const loaded = [
      ...staticInputs([
        outputOf('src/action/validate.ts', 'actions/'),
        outputOf('src/verbs/validate.ts', 'chunks/'),
      ]),
    ];
    expect(loaded.filter((f) => f.includes('node_modules/ajv/dist/compile/'))).toEqual([]);
    expect(loaded.some((f) => f.includes('node_modules/ajv/dist/runtime/'))).toBe(true);
  });

  it("leaves the schema's catalogue keys, written for editors, out of the compiled validator", () => {
    const carrying = Object.keys(meta.outputs).filter((f) =>
      readFileSync(path.resolve(f), 'utf8').includes('flinkOptions-common'),
    );
    expect(carrying).toEqual([]);
    // The schema file itself has them, and the key the spec corpus misspells is among them.
    expect(readFileSync('schema/flinkship.schema.json', 'utf8')).toContain(
      '"execution.checkpointing.interval"',
    );
  });

  it('reports every bad spec of the corpus exactly as the sources do', () => {
    const dir = 'test/fixtures/specs/bad';
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const file = path.join(dir, name);
      let stderr = '';
      try {
        execFileSync('node', [path.join(out, 'cli.js'), 'validate', '--config', file], { encoding: 'utf8' });
      } catch (err) {
        expect((err as { status: number }).status, name).toBe(2);
        stderr = (err as { stderr: string }).stderr;
      }
      const expected = readFileSync(file.replace(/\.yaml$/, '.expected'), 'utf8')
        .trimEnd()
        .split('\n');
      const reported = stderr
        .split('\n')
        .filter((l) => l.startsWith(`error: ${file}:`))
        .map((l) => l.slice(`error: ${file}:`.length));
      expect(reported, name).toEqual(expected);
    }
  }, 120_000);

  it('holds one copy of each dependency: every source file lands in exactly one output', () => {
    const owners = new Map<string, number>();
    for (const o of Object.values(meta.outputs)) {
      for (const input of Object.keys(o.inputs)) owners.set(input, (owners.get(input) ?? 0) + 1);
    }
    expect([...owners].filter(([, n]) => n > 1)).toEqual([]);
    expect(
      [...owners.keys()].some((f) => f.endsWith('node_modules/@kubernetes/client-node/dist/index.js')),
    ).toBe(true);
  });

  it('has no import circles among the sources', () => {
    const graph = new Map<string, string[]>();
    for (const [file, input] of Object.entries(meta.inputs)) {
      if (!file.startsWith('src/')) continue;
      graph.set(
        file,
        input.imports.filter((i) => !i.external && i.path.startsWith('src/')).map((i) => i.path),
      );
    }
    // Depth-first search; a back edge to a file still on the stack closes a circle.
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') circles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
    expect(circles).toEqual([]);
  });
});
