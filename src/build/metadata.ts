// What the image is called and what it says about itself: tags from the git context and the user,
// OCI and Flinkship labels. Pure functions: the verb reads the context, these decide.
import { InputError, type InputIssue } from '../util/errors.js';
import { SEMVER_TAG, type GitContext } from './gitContext.js';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const TAG_HINT = 'up to 128 letters, digits, _, . and -, not starting with . or -';

/** A branch or git tag name as a valid image tag: feature/x -> feature-x. */
export function sanitizeTag(name: string): string {
  return name
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128)
    .replace(/[.-]+$/, '');
}

/** The semver of a git tag without its v, or undefined. Build metadata (+...) is not valid in a tag. */
export function semverOf(gitTag: string): string | undefined {
  if (!SEMVER_TAG.test(gitTag)) return undefined;
  return gitTag.replace(/^v/, '').replace(/\+/g, '_');
}

export function tagsFor(ctx: GitContext, userTags: readonly string[], origin: 'flags' | 'inputs'): string[] {
  const issues: InputIssue[] = [];
  for (const t of userTags) {
    if (!TAG.test(t)) {
      issues.push({
        file: origin === 'flags' ? '<flags>' : '<inputs>',
        field: origin === 'flags' ? '--tag' : 'tag',
        message: `found "${t}"; a tag is ${TAG_HINT}`,
      });
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  const tags: string[] = [];
  if (ctx.sha) tags.push(ctx.sha);
  if (ctx.pullRequest !== undefined) tags.push(`pr-${ctx.pullRequest}`);
  else if (ctx.branch) tags.push(sanitizeTag(ctx.branch));
  if (ctx.gitTag) tags.push(semverOf(ctx.gitTag) ?? sanitizeTag(ctx.gitTag));
  tags.push(...userTags);
  return [...new Set(tags.filter((t) => t !== ''))];
}

/** The version label: the release when built from a semver tag, else the PR, the branch or the commit. */
export function versionOf(ctx: GitContext): string | undefined {
  if (ctx.gitTag) return semverOf(ctx.gitTag) ?? ctx.gitTag;
  if (ctx.pullRequest !== undefined) return `pr-${ctx.pullRequest}`;
  return ctx.branch ?? ctx.sha;
}

export interface LabelInputs {
  title: string;
  flinkVersion: string;
  entryClass: string;
  created: Date;
}

export function imageLabels(ctx: GitContext, inputs: LabelInputs): Record<string, string> {
  const version = versionOf(ctx);
  return {
    ...(ctx.sourceUrl ? { 'org.opencontainers.image.source': ctx.sourceUrl } : {}),
    ...(ctx.sha ? { 'org.opencontainers.image.revision': ctx.sha } : {}),
    'org.opencontainers.image.created': inputs.created.toISOString(),
    ...(version ? { 'org.opencontainers.image.version': version } : {}),
    'org.opencontainers.image.title': inputs.title,
    'dev.flinkship.flink-version': inputs.flinkVersion,
    'dev.flinkship.entry-class': inputs.entryClass,
  };
}
