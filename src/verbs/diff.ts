// `flinkship diff [--env <name>]... [--base <git ref>]`: the plan of each environment in the working tree
// against its plan at the merge-base with the base ref, as text, JSON or Markdown (the job summary, and
// what a pull request comment shows). Reads git; touches no cluster or registry.
import { realpathSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import path from 'node:path';
import { pullRequestNumber } from '../build/gitContext.js';
import { fileAt, gitTopLevel, mergeBase, resolveCommit } from '../executors/git.js';
import { gitHubContextFromEnv, upsertStickyComment } from '../executors/github.js';
import { COMMON_OPTIONS, optionLabel, originOf, type OptionDefs } from '../options/options.js';
import { diffPlans } from '../plan/diff.js';
import { DIFF_MARKER, renderDiffMarkdown, renderDiffText, type PlanDiffResult } from '../plan/diffRender.js';
import { environmentNames, plan } from '../plan/plan.js';
import { loadSpec, parseSpec } from '../spec/load.js';
import type { LoadedSpec } from '../spec/types.js';
import { InputError, OperationError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { defineVerb } from './verb.js';

/** The job.sql paths a spec's text names (top level and environments); none when it does not parse. */
function sqlScriptsOf(text: string): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return [];
  }
  const jobs: unknown[] = [];
  if (doc && typeof doc === 'object') {
    const root = doc as { job?: unknown; environments?: Record<string, { job?: unknown } | null> };
    jobs.push(root.job);
    for (const env of Object.values(root.environments ?? {})) jobs.push(env?.job);
  }
  return [
    ...new Set(
      jobs
        .map((j) => (j && typeof j === 'object' ? (j as { sql?: unknown }).sql : undefined))
        .filter((s): s is string => typeof s === 'string'),
    ),
  ];
}

export const DIFF_OPTIONS = {
  ...COMMON_OPTIONS,
  env: {
    kind: 'list',
    description: 'The environments to compare (repeatable); default: every environment of either side.',
    valueName: 'name',
  },
  comment: {
    kind: 'boolean',
    default: false,
    description:
      "In a pull request's workflow run: write the Markdown to the pull request as one comment, edited in place on every run.",
  },
  'github-token': {
    kind: 'string',
    only: 'inputs',
    description:
      'A token with pull-requests: write, for the comment (masked); the action defaults it to github.token.',
  },
  base: {
    kind: 'string',
    description:
      "The git ref to compare against, at its merge-base with HEAD; default: origin/$GITHUB_BASE_REF in a pull request's run, else HEAD.",
    valueName: 'ref',
  },
} as const satisfies OptionDefs;

export type DiffResult = PlanDiffResult & {
  comment?: { id: number; url: string; action: 'created' | 'updated' };
};

export const diffVerb = defineVerb<typeof DIFF_OPTIONS, DiffResult>({
  name: 'diff',
  options: DIFF_OPTIONS,
  run: async (options, ui): Promise<DiffResult> => {
    const origin = originOf(options);
    const where = origin === 'flags' ? '<flags>' : '<inputs>';
    const token = options['github-token'];
    if (token) ui.secret(token);
    if (options.comment && !token) {
      throw new InputError([
        {
          file: where,
          field: optionLabel('github-token', origin),
          message: 'required with comment: a token with pull-requests: write (the action gives github.token)',
        },
      ]);
    }
    const head = loadSpec(options.config);
    const top = await gitTopLevel(path.dirname(path.resolve(options.config)));
    if (!top) {
      throw new OperationError(
        `${options.config} is not in a git repository: diff compares against a git ref`,
      );
    }
    const ref =
      options.base ?? (process.env.GITHUB_BASE_REF ? `origin/${process.env.GITHUB_BASE_REF}` : 'HEAD');
    const commit = await resolveCommit(top, ref);
    if (!commit) {
      throw new InputError([
        {
          file: origin === 'flags' ? '<flags>' : '<inputs>',
          field: optionLabel('base', origin),
          message: `found "${ref}", which git does not know here; expected a branch, tag or commit (in Actions, check out with fetch-depth: 0 so that the base branch is there)`,
        },
      ]);
    }
    const at = (await mergeBase(top, commit, 'HEAD')) ?? commit;
    const relative = path.relative(top, realpathSync(options.config));
    const text = await fileAt(top, at, relative);
    let base: LoadedSpec | undefined;
    if (text === undefined) {
      ui.info(`${relative} does not exist at ${ref} (${at.slice(0, 12)}): every environment is new`);
    } else {
      try {
        // The base's SQL scripts as they were at the base, not as the working tree has them.
        const scripts = new Map<string, Buffer>();
        for (const script of sqlScriptsOf(text)) {
          const content = await fileAt(top, at, path.join(path.dirname(relative), script));
          if (content !== undefined) scripts.set(script, Buffer.from(content, 'utf8'));
        }
        base = parseSpec(text, `${ref}:${relative}`, path.dirname(path.resolve(options.config)), {
          readFile: (script) => scripts.get(script),
        });
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        ui.warning(
          `the spec at ${ref} (${at.slice(0, 12)}) is not valid (${err.issues.length} problem(s), the first: ${err.issues[0]!.message}): every environment is compared as new`,
        );
      }
    }
    const names = [...new Set([...environmentNames(head), ...(base ? environmentNames(base) : [])])];
    const wanted = options.env ?? [];
    const unknown = wanted.filter((n) => !names.includes(n));
    if (unknown.length) {
      throw new InputError(
        unknown.map((n) => ({
          file: origin === 'flags' ? '<flags>' : '<inputs>',
          field: optionLabel('env', origin),
          message: `found "${n}"${didYouMean(n, names)}; valid: ${names.join(', ')}`,
        })),
      );
    }
    const planOf = (loaded: LoadedSpec | undefined, env: string) =>
      loaded && environmentNames(loaded).includes(env) ? plan(loaded, env) : undefined;
    const result: DiffResult = {
      base: { ref, commit: at, file: relative },
      head: { file: relative },
      environments: (wanted.length ? wanted : names).map((env) =>
        diffPlans(env, planOf(base, env), planOf(head, env)),
      ),
    };
    if (options.comment) {
      const github = gitHubContextFromEnv();
      const pr = await pullRequestNumber(process.env.GITHUB_EVENT_PATH);
      if (!github || pr === undefined) {
        throw new OperationError(
          "comment needs a pull request's workflow run (GitHub Actions, an event with pull_request.number); run diff without comment elsewhere",
        );
      }
      result.comment = await ui.group(`Comment on pull request #${pr}`, async () => {
        const c = await upsertStickyComment(
          token!,
          {
            owner: github.owner,
            repo: github.repo,
            issueNumber: pr,
            marker: DIFF_MARKER,
            body: renderDiffMarkdown(result),
          },
          { apiUrl: github.apiUrl },
        );
        ui.info(`comment ${c.id} ${c.action}: ${c.url}`);
        return c;
      });
    }
    return result;
  },
  text: renderDiffText,
  json: (r) => r,
  outputs: (r) => ({
    diff: JSON.stringify({ base: r.base, head: r.head, environments: r.environments }),
    'comment-url': r.comment?.url ?? '',
    'changed-environments': r.environments
      .filter((d) => d.status !== 'unchanged')
      .map((d) => d.environment)
      .join(','),
    markdown: renderDiffMarkdown(r),
  }),
  summary: renderDiffMarkdown,
});
