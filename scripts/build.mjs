// Bundles every entry point with esbuild into dist/ (committed: actions run dist/ as checked out).
//   node scripts/build.mjs [outdir]
// Code splitting: every dependency is one shared chunk under dist/chunks/ (not one copy per action), and
// each verb is loaded by a dynamic import, so an action loads only what its verb uses.
// Whitespace and syntax are minified; identifiers are kept, so a stack trace still names functions.
// No source maps are committed: they would double dist/, and a user acts on our error messages, which
// name the file:line of the spec, never on a frame of the bundle.
import { chmodSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

export const ENTRY_POINTS = {
  cli: 'src/cli/main.ts',
  action: 'src/action/main.ts',
  'actions/build-image': 'src/action/build-image.ts',
  'actions/delete': 'src/action/delete.ts',
  'actions/deploy': 'src/action/deploy.ts',
  'actions/rollback': 'src/action/rollback.ts',
  'actions/plan': 'src/action/plan.ts',
  'actions/validate': 'src/action/validate.ts',
  'actions/integration-env': 'src/action/integration-env.ts',
  'actions/integration-env-post': 'src/action/integration-env-post.ts',
};

// The spec schema, compiled at build time: the bundle gets ajv's standalone validator (src/spec/schemaValidator.ts
// is replaced by it), with the options and keywords that module gives ajv at run time from the sources.
const precompiledSchema = {
  name: 'precompiled-spec-schema',
  setup(b) {
    b.onLoad({ filter: /src[\\/]spec[\\/]schemaValidator\.ts$/ }, () => {
      const source = readFileSync('src/spec/schemaValidator.ts', 'utf8');
      const options = Function(`return ${/AJV_OPTIONS = (\{[^}]*\})/.exec(source)[1]}`)();
      const ajv = new Ajv({ ...options, code: { source: true, esm: true } });
      ajv.addKeyword({ keyword: 'x-valid', schemaType: 'string' });
      const schema = JSON.parse(readFileSync('schema/flinkship.schema.json', 'utf8'));
      const code = standaloneCode(ajv, ajv.compile(schema));
      return {
        contents: `${code}\nexport function specValidator() { return validate; }\n`,
        loader: 'js',
        resolveDir: 'src/spec',
      };
    });
  },
};

export async function bundle(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  return build({
    entryPoints: ENTRY_POINTS,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.js' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    plugins: [precompiledSchema],
    legalComments: 'none',
    // dockerode's ssh transport (ssh2) tries optional native addons inside try/catch and works without them.
    external: ['*.node'],
    logLevel: 'warning',
    // Some dependencies are CommonJS and call require() or read __dirname; give the ESM bundle both. Every
    // chunk gets this line, before its own top-level names: it must not use a global that a bundled module
    // declares at its top level (uuid declares URL).
    banner: {
      js: "import { createRequire as __flinkshipCreateRequire } from 'node:module'; import { dirname as __flinkshipDirname } from 'node:path'; import { fileURLToPath as __flinkshipPath } from 'node:url'; const require = __flinkshipCreateRequire(import.meta.url); const __filename = __flinkshipPath(import.meta.url); const __dirname = __flinkshipDirname(__filename);",
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outdir = process.argv[2] ?? 'dist';
  await bundle(outdir);
  chmodSync(`${outdir}/cli.js`, 0o755);
}
