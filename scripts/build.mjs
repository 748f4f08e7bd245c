// Bundles every entry point with esbuild into dist/ (committed: actions run dist/ as checked out).
//   node scripts/build.mjs [outdir]
// Code splitting: every dependency is one shared chunk under dist/chunks/ (not one copy per action), and
// each verb is loaded by a dynamic import, so an action loads only what its verb uses.
// Whitespace and syntax are minified; identifiers are kept, so a stack trace still names functions.
// No source maps are committed: they would double dist/, and a user acts on our error messages, which
// name the file:line of the spec, never on a frame of the bundle.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
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
  'actions/promote': 'src/action/promote.ts',
  'actions/diff': 'src/action/diff.ts',
  'actions/preview': 'src/action/preview.ts',
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
      const keywords = Function(`return ${/ANNOTATION_KEYWORDS = (\[[^\]]*\])/.exec(source)[1]}`)();
      for (const keyword of keywords) ajv.addKeyword({ keyword, schemaType: 'string' });
      // As cliSchema() in that module: without the root allOf and the flinkOptions-* $defs, the catalogue's
      // keys the CLI checks itself (test/unit/bundle.test.ts holds the bundle to the sources on the corpus).
      const { allOf: _catalogue, ...schema } = JSON.parse(
        readFileSync('schema/flinkship.schema.json', 'utf8'),
      );
      schema.$defs = Object.fromEntries(
        Object.entries(schema.$defs).filter(([k]) => !k.startsWith('flinkOptions')),
      );
      const code = standaloneCode(ajv, ajv.compile(schema));
      return {
        contents: `${code}\nexport function specValidator() { return validate; }\n`,
        loader: 'js',
        resolveDir: 'src/spec',
      };
    });
  },
};

// Modules whose top level only defines things, in packages that do not declare themselves side-effect free.
// Declaring them here lets esbuild drop them where nothing uses what they export: @actions/core's OIDC
// client (getIDToken) and its platform details pull @actions/http-client (undici, tunnel: 0.6 MB parsed
// and initialised) and @actions/exec into every action's start-up, though no verb of ours calls them. The
// actions that do make HTTP calls through http-client (github, tool-cache) still get it, from their own
// imports. test/unit/bundle.test.ts checks that validate and plan load neither.
const SIDE_EFFECT_FREE = [
  /node_modules[\\/]@actions[\\/]core[\\/]lib[\\/](oidc-utils|platform)\.js$/,
  /node_modules[\\/]@actions[\\/]http-client[\\/]/,
];
const sideEffectFree = {
  name: 'side-effect-free',
  setup(b) {
    b.onResolve({ filter: /oidc-utils|platform|^@actions\/http-client/ }, async (args) => {
      if (args.pluginData === sideEffectFree) return undefined;
      const resolved = await b.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        importer: args.importer,
        pluginData: sideEffectFree,
      });
      if (resolved.errors.length > 0 || !SIDE_EFFECT_FREE.some((re) => re.test(resolved.path)))
        return undefined;
      return { ...resolved, sideEffects: false };
    });
  },
};

// The esbuild settings every bundle of ours uses (the cold-start benchmark bundles its minimal action with
// them too), without the entry points, the output directory and code splitting.
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outExtension: { '.js': '.js' },
  minifyWhitespace: true,
  minifySyntax: true,
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
};
export { sideEffectFree };

// The SQL runner jars (one per Flink line), built from sql-runner/ by Maven (scripts/build-sql-runner, which
// is reproducible: scripts/test-sql-runner checks the committed jars against a fresh build) and committed in
// sql-runner/jars. The build copies them into dist/sql-runner, where a SQL job's build finds them.
export const SQL_RUNNER_JARS = ['flinkship-sql-runner-1.x.jar', 'flinkship-sql-runner-2.x.jar'];

function copySqlRunner(outdir) {
  const have = readdirSync('sql-runner/jars').filter((f) => f.endsWith('.jar'));
  const missing = SQL_RUNNER_JARS.filter((f) => !have.includes(f));
  if (missing.length > 0)
    throw new Error(`sql-runner/jars lacks ${missing.join(', ')}; run scripts/build-sql-runner`);
  mkdirSync(`${outdir}/sql-runner`, { recursive: true });
  for (const jar of SQL_RUNNER_JARS) copyFileSync(`sql-runner/jars/${jar}`, `${outdir}/sql-runner/${jar}`);
}

export async function bundle(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await bundleScripts(outdir);
  copySqlRunner(outdir);
  return result;
}

function bundleScripts(outdir) {
  return build({
    ...ESBUILD_OPTIONS,
    entryPoints: ENTRY_POINTS,
    outdir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    plugins: [precompiledSchema, sideEffectFree],
    // yaml's ES module build (the one its exports map gives bundlers for browsers) instead of its CommonJS
    // one for node: the same code, but esbuild can hoist it into the chunk rather than wrap each of its 70
    // modules in a lazy require (plan starts about 9 ms sooner). The two differ only in how a warning is
    // printed (console.warn, not process.emitWarning), and the spec's parse rejects what would warn first.
    alias: { yaml: './node_modules/yaml/browser/index.js' },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outdir = process.argv[2] ?? 'dist';
  await bundle(outdir);
  chmodSync(`${outdir}/cli.js`, 0o755);
}
