// Previews of fork pull requests, in two runs that never share trust (docs/WORKFLOWS.md):
// - `flinkship preview export`, in the fork's untrusted `pull_request` run (no secrets, a read-only
//   token): writes the jar the pull request built and a manifest (which pull request, which head, the
//   jar's sha256) to a directory that the workflow uploads as the artifact `flinkship-preview`.
// - `flinkship preview import`, in the trusted `workflow_run` run: downloads that artifact through
//   GitHub's REST API, checks it against what GitHub itself recorded (the digest taken at upload, the run's
//   head, the pull request's head), and puts the jar where the trusted spec (the base branch's) says.
//   The workflow then builds the image with Flinkship's own Dockerfile and runs `preview up`. Nothing
//   from the artifact is executed, and the trusted run never checks out the pull request's code.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readJar } from '../build/jar.js';
import { locateSpecField } from '../build/locate.js';
import { repositoryRoot, resolveSource } from '../build/sources.js';
import {
  downloadArtifact,
  gitHubContextFromEnv,
  listRunArtifacts,
  pullRequestHead,
} from '../executors/github.js';
import { COMMON_OPTIONS, optionLabel, originOf, type OptionDefs, type Origin } from '../options/options.js';
import { resolveNamedEnvironment } from '../plan/plan.js';
import {
  ARTIFACT_LIMITS,
  ARTIFACT_NAME,
  ArtifactRefused,
  JAR_ENTRY,
  MANIFEST_ENTRY,
  makeManifest,
  verifyArtifact,
} from '../preview/artifact.js';
import { loadSpec } from '../spec/load.js';
import { isPreviewEnvironment } from '../spec/resolve.js';
import type { LoadedSpec, ResolvedEnvironment } from '../spec/types.js';
import { InputError, OperationError, type InputIssue } from '../util/errors.js';
import { PREVIEW_COMMON, pullRequestFrom } from './preview.js';
import { defineVerb } from './verb.js';
import { jobJar } from '../spec/resolve.js';

function inputIssue(origin: Origin, name: string, message: string): InputIssue {
  return { file: origin === 'flags' ? '<flags>' : '<inputs>', field: optionLabel(name, origin), message };
}

function previewEnvironment(loaded: LoadedSpec, envName: string, origin: Origin): ResolvedEnvironment {
  const env = resolveNamedEnvironment(loaded, envName);
  const written = loaded.spec.environments?.[envName];
  if (!written || !isPreviewEnvironment(envName, written)) {
    throw new InputError([
      inputIssue(
        origin,
        'env',
        `environment ${envName} is not a preview environment; name it preview or give it a ttl`,
      ),
    ]);
  }
  return env;
}

/** The head commit of the pull request the run is for, from the event; undefined outside one. */
async function eventHeadSha(): Promise<string | undefined> {
  const file = process.env.GITHUB_EVENT_PATH;
  if (!file) return undefined;
  try {
    const event = JSON.parse(await readFile(file, 'utf8')) as { pull_request?: { head?: { sha?: unknown } } };
    const sha = event.pull_request?.head?.sha;
    return typeof sha === 'string' ? sha : undefined;
  } catch {
    return undefined;
  }
}

/** The job jar's path as the spec writes it, inside the spec's repository. */
async function jarPath(loaded: LoadedSpec, env: ResolvedEnvironment, envName: string): Promise<string> {
  const resolved = await resolveSource(
    await repositoryRoot(loaded.dir),
    loaded.dir,
    jobJar(loaded, env, 'the preview artifact'),
  );
  if ('refused' in resolved) {
    const field = locateSpecField(loaded, envName, ['job', 'jar']);
    throw new InputError([{ file: loaded.file, field: field.name, ...field.at, message: resolved.refused }]);
  }
  return resolved.file;
}

export const PREVIEW_EXPORT_OPTIONS = {
  ...COMMON_OPTIONS,
  env: PREVIEW_COMMON.env,
  pr: PREVIEW_COMMON.pr,
  'head-sha': {
    kind: 'string',
    description: "The pull request's head commit; in a pull request's workflow run, default: the event's.",
    valueName: 'sha',
  },
  dir: {
    kind: 'string',
    default: '.flinkship-preview',
    description: `Where to write ${JAR_ENTRY} and ${MANIFEST_ENTRY}, the directory to upload as the artifact ${ARTIFACT_NAME}.`,
    valueName: 'dir',
  },
} as const satisfies OptionDefs;

export interface PreviewExportResult {
  dir: string;
  name: string;
  pullRequest: number;
  headSha: string;
  jarSha256: string;
  jarBytes: number;
}

export const previewExportVerb = defineVerb({
  name: 'preview export',
  options: PREVIEW_EXPORT_OPTIONS,
  run: async (options, ui): Promise<PreviewExportResult> => {
    const origin = originOf(options);
    const pr = await pullRequestFrom(options.pr, origin);
    const headSha = options['head-sha'] ?? (await eventHeadSha());
    if (!headSha || !/^[0-9a-f]{40}$/.test(headSha)) {
      throw new InputError([
        inputIssue(
          origin,
          'head-sha',
          headSha === undefined
            ? "required outside a pull request's workflow run: the pull request's head commit"
            : `found "${headSha}"; expected a commit sha of 40 hex digits`,
        ),
      ]);
    }
    const loaded = loadSpec(options.config);
    const env = previewEnvironment(loaded, options.env, origin);
    const file = await jarPath(loaded, env, options.env);
    const jar = await readJar(file);
    if ('kind' in jar) {
      const field = locateSpecField(loaded, options.env, ['job', 'jar']);
      const why =
        jar.kind === 'missing'
          ? `${env.job.jar} does not exist; build the jar first`
          : jar.kind === 'not-a-file'
            ? `${env.job.jar} is not a file`
            : `${env.job.jar} is not a valid jar (${jar.reason})`;
      throw new InputError([{ file: loaded.file, field: field.name, ...field.at, message: why }]);
    }
    const bytes = await readFile(file);
    const manifest = makeManifest(pr, headSha, bytes);
    const dir = path.resolve(options.dir);
    await ui.group(`Write the preview artifact of #${pr} to ${options.dir}`, async () => {
      await mkdir(dir, { recursive: true });
      await rm(path.join(dir, JAR_ENTRY), { force: true });
      await writeFile(path.join(dir, JAR_ENTRY), bytes);
      await writeFile(path.join(dir, MANIFEST_ENTRY), `${JSON.stringify(manifest, null, 2)}\n`);
      ui.info(`${JAR_ENTRY}: ${bytes.length} bytes, sha256 ${manifest.jar.sha256}`);
      ui.info(`${MANIFEST_ENTRY}: pull request #${pr} at ${headSha}`);
    });
    return {
      dir: options.dir,
      name: ARTIFACT_NAME,
      pullRequest: pr,
      headSha,
      jarSha256: manifest.jar.sha256,
      jarBytes: bytes.length,
    };
  },
  text: (r) =>
    `preview artifact of #${r.pullRequest} (${r.headSha}) in ${r.dir}: ${JAR_ENTRY} ${r.jarBytes} bytes, sha256 ${r.jarSha256}; upload it as ${r.name}\n`,
  json: (r) => r,
  outputs: (r) => ({
    dir: r.dir,
    name: r.name,
    'pull-request': String(r.pullRequest),
    'jar-sha256': r.jarSha256,
  }),
  summary: (r) =>
    `## Flinkship preview artifact of #${r.pullRequest}\n\n\`${JAR_ENTRY}\` (${r.jarBytes} bytes, sha256 \`${r.jarSha256}\`) and \`${MANIFEST_ENTRY}\` for head \`${r.headSha}\`, to upload as \`${r.name}\`. The trusted run verifies it before anything is built.\n`,
});

export const PREVIEW_IMPORT_OPTIONS = {
  ...COMMON_OPTIONS,
  env: PREVIEW_COMMON.env,
  'run-id': {
    kind: 'string',
    required: true,
    description: "The id of the pull request's run that uploaded the artifact (the workflow_run event's id).",
    valueName: 'id',
  },
  'head-sha': {
    kind: 'string',
    required: true,
    description:
      "That run's head commit, as the workflow_run event says (github.event.workflow_run.head_sha).",
    valueName: 'sha',
  },
  'github-token': {
    kind: 'string',
    only: 'inputs',
    description:
      'A token with actions: read and pull-requests: read, to download the artifact and check the pull request (masked); on the command line, GITHUB_TOKEN.',
  },
} as const satisfies OptionDefs;

export interface PreviewImportResult {
  pullRequest: number;
  headSha: string;
  jar: string;
  jarSha256: string;
  artifactDigest: string;
}

export const previewImportVerb = defineVerb({
  name: 'preview import',
  options: PREVIEW_IMPORT_OPTIONS,
  run: async (options, ui): Promise<PreviewImportResult> => {
    const origin = originOf(options);
    const issues: InputIssue[] = [];
    const runId = options['run-id'];
    if (!/^[1-9][0-9]{0,18}$/.test(runId))
      issues.push(
        inputIssue(origin, 'run-id', `found "${runId}"; expected a workflow run id such as 123456789`),
      );
    const headSha = options['head-sha'];
    if (!/^[0-9a-f]{40}$/.test(headSha))
      issues.push(
        inputIssue(origin, 'head-sha', `found "${headSha}"; expected a commit sha of 40 hex digits`),
      );
    const token = options['github-token'] ?? process.env.GITHUB_TOKEN;
    if (token) ui.secret(token);
    if (!token)
      issues.push(
        inputIssue(
          origin,
          'github-token',
          'required: a token with actions: read (GITHUB_TOKEN on the command line)',
        ),
      );
    const github = gitHubContextFromEnv();
    if (!github)
      issues.push(
        inputIssue(
          origin,
          'run-id',
          'only in a GitHub Actions run (GITHUB_REPOSITORY and the run variables are not set)',
        ),
      );
    // The trusted spec (the checked-out base branch) says where the jar goes.
    const loaded = loadSpec(options.config);
    const env = previewEnvironment(loaded, options.env, origin);
    const destination = await jarPath(loaded, env, options.env);
    if (issues.length) throw new InputError(issues);
    const repo = { owner: github!.owner, repo: github!.repo };
    const api = { apiUrl: github!.apiUrl };

    const refused = (why: string) =>
      new OperationError(
        `the preview artifact of run ${runId} is refused: ${why}; nothing was built or deployed`,
      );
    const { manifest, jar, digest } = await ui.group(
      `Fetch and verify the artifact ${ARTIFACT_NAME} of run ${runId}`,
      async () => {
        const found = await listRunArtifacts(
          token!,
          { ...repo, runId: Number(runId), name: ARTIFACT_NAME },
          api,
        );
        if (found.length !== 1)
          throw refused(
            found.length === 0
              ? `run ${runId} uploaded no artifact ${ARTIFACT_NAME}`
              : `run ${runId} has ${found.length} artifacts named ${ARTIFACT_NAME}`,
          );
        const artifact = found[0]!;
        if (artifact.expired) throw refused(`artifact ${artifact.id} has expired`);
        if (artifact.sizeInBytes > ARTIFACT_LIMITS.zipBytes)
          throw refused(
            `artifact ${artifact.id} is ${artifact.sizeInBytes} bytes, more than ${ARTIFACT_LIMITS.zipBytes}`,
          );
        const zip = await downloadArtifact(
          token!,
          { ...repo, artifactId: artifact.id, maxBytes: ARTIFACT_LIMITS.zipBytes },
          api,
        );
        ui.info(
          `artifact ${artifact.id}: ${zip.length} bytes, recorded digest ${artifact.digest ?? '(none)'}`,
        );
        try {
          const verified = await verifyArtifact(zip, {
            headSha,
            digest: artifact.digest,
            artifactHeadSha: artifact.workflowRun?.headSha || undefined,
          });
          ui.info(`digest verified; ${MANIFEST_ENTRY} names pull request #${verified.manifest.pullRequest}`);
          return { ...verified, digest: artifact.digest! };
        } catch (err) {
          if (err instanceof ArtifactRefused) throw refused(err.message);
          throw err;
        }
      },
    );

    // The number is the artifact's claim: GitHub must say that pull request is open at this very head.
    await ui.group(`Check pull request #${manifest.pullRequest} on GitHub`, async () => {
      const pr = await pullRequestHead(token!, { ...repo, number: manifest.pullRequest }, api);
      if (!pr) throw refused(`pull request #${manifest.pullRequest} does not exist`);
      if (pr.state !== 'open') throw refused(`pull request #${manifest.pullRequest} is closed`);
      if (pr.headSha !== headSha)
        throw refused(
          `pull request #${manifest.pullRequest} is at ${pr.headSha}, not at ${headSha} (the artifact names a pull request it was not built from, or a newer push superseded it)`,
        );
      ui.info(`#${pr.number}: open, head ${pr.headSha} from ${pr.headRepository || '(deleted fork)'}`);
    });

    await mkdir(path.dirname(destination), { recursive: true });
    await rm(destination, { force: true });
    await writeFile(destination, jar, { mode: 0o644 });
    ui.info(
      `${path.relative(process.cwd(), destination) || destination}: the jar of #${manifest.pullRequest} (${jar.length} bytes)`,
    );
    return {
      pullRequest: manifest.pullRequest,
      headSha,
      jar: jobJar(loaded, env, 'the preview artifact'),
      jarSha256: manifest.jar.sha256,
      artifactDigest: digest,
    };
  },
  text: (r) =>
    `preview artifact of #${r.pullRequest} (${r.headSha}) verified (${r.artifactDigest}); its jar is at ${r.jar}\n`,
  json: (r) => r,
  outputs: (r) => ({
    'pull-request': String(r.pullRequest),
    'head-sha': r.headSha,
    jar: r.jar,
    'jar-sha256': r.jarSha256,
    'artifact-digest': r.artifactDigest,
  }),
  summary: (r) =>
    `## Flinkship preview artifact of #${r.pullRequest}: verified\n\nDigest \`${r.artifactDigest}\` as GitHub recorded it; pull request #${r.pullRequest} is open at \`${r.headSha}\`; its jar (sha256 \`${r.jarSha256}\`) is at \`${r.jar}\`.\n`,
});
