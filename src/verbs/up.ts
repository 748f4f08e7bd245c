// `flinkship up`: the whole integration path in one command. Build the job image, bring up the
// environment, get the image into the cluster (the kind registry, kind load, or the job's registry),
// deploy it and run the smoke test; then delete the environment unless --keep.
import { BUILD_OPTIONS, type BuildRequest } from '../options/build.js';
import { optionLabel, originOf, type OptionDefs } from '../options/options.js';
import { build } from '../operations/build.js';
import { readExpected, smoke as runSmoke } from '../operations/smoke.js';
import { DockerEngine } from '../executors/docker.js';
import { Kind } from '../executors/kind.js';
import { envUp, type EnvUpResult } from '../integration/environment.js';
import { envDown } from '../integration/teardown.js';
import { resolveEnvSettings } from '../integration/settings.js';
import type { SmokeResult } from '../integration/smoke.js';
import { renderTimings, StepTimer, type StepTiming } from '../integration/timings.js';
import type { Ui } from '../ui/ui.js';
import { InputError } from '../util/errors.js';
import { parseImageRef } from '../util/imageRef.js';
import type { BuildResult } from '../build/render.js';
import { SMOKE_OPTIONS, clientOf } from './env.js';
import { defineVerb } from './verb.js';

export const UP_OPTIONS = {
  ...SMOKE_OPTIONS,
  repository: {
    kind: 'string',
    description:
      'Where the job image goes: default the kind registry (localhost:5001/<name>) on kind, image.repository on an existing cluster.',
    valueName: 'host/path',
  },
  'base-image': BUILD_OPTIONS['base-image'],
} as const satisfies OptionDefs;

/** The tag of a loaded image: its id's first 12 hex digits, as `docker images` shows it. */
export function contentTag(imageId: string): string {
  return `id-${imageId.replace(/^sha256:/, '').slice(0, 12)}`;
}

export interface UpResult {
  image: string;
  env: EnvUpResult;
  smoke: SmokeResult;
  timings: StepTiming[];
  totalSeconds: number;
  deleted: string[];
}

export const upVerb = defineVerb({
  name: 'up',
  options: UP_OPTIONS,
  async run(options, ui: Ui): Promise<UpResult> {
    const origin = originOf(options);
    const s = resolveEnvSettings(options);
    const registry = s.kind?.settings.registry;
    const repository =
      options.repository ?? (registry ? `localhost:${registry.port}/${s.loaded.spec.name}` : undefined);
    const pushNow = s.mode === 'existing';
    // As `flinkship build --env <env> [--repository <r>] [--no-push]` builds, without its other options.
    const buildRequest: BuildRequest = {
      config: options.config,
      env: s.env.name,
      repository,
      'base-image': options['base-image'],
      tag: [],
      'build-arg': [],
      'maven-repository': [],
      push: pushNow,
      'registry-username': undefined,
      'registry-password': undefined,
      'registry-password-stdin': false,
      origin,
    };
    if (options['smoke-command'] === undefined && options.expected !== undefined) {
      // checked again by smoke; here so that a bad path stops the run before the build
      readExpected(options.expected, {
        file: origin === 'flags' ? '<flags>' : '<inputs>',
        field: optionLabel('expected', origin),
      });
    }

    const timer = new StepTimer();
    const built: BuildResult = await timer.time('build image', () => build(buildRequest, ui));
    let image = built.image;
    let env: EnvUpResult;
    let smoke: SmokeResult;
    let deleted: string[] = [];
    try {
      env = await timer.time('env up', () => envUp(s, ui));
      if (registry) {
        image = await timer.time('push to the kind registry', () =>
          ui.group(`Push ${built.tags[0]} to the kind registry`, async () => {
            const { repository, tag } = parseImageRef(built.tags[0]!)!;
            const pushed = await new DockerEngine().push(repository, tag!, undefined, (l) => ui.info(l));
            return `${repository}@${pushed.digest}`;
          }),
        );
      } else if (s.kind) {
        // Tagged by content: a rebuild of the same commit with another jar is a new reference, so the
        // deploy sees the change (a tag it has deployed before would read as unchanged).
        image = `${built.repository}:${contentTag(built.imageId)}`;
        await new DockerEngine().tag(built.imageId, built.repository, contentTag(built.imageId));
        await timer.time('kind load docker-image', async () =>
          (await Kind.install(ui)).loadImage(s.kind!.name, image),
        );
      }
      // The environment just brought up, with the image just built (and pushed or loaded).
      smoke = await timer.time('deploy and smoke test', () =>
        runSmoke(
          {
            settings: s,
            image,
            ...(options.expected ? { expected: options.expected } : {}),
            ...(options['smoke-command'] ? { smokeCommand: options['smoke-command'] } : {}),
            ...clientOf(options),
          },
          ui,
        ),
      );
    } catch (err) {
      if (!s.keep && !(err instanceof InputError)) {
        await envDown(s, { diagnose: false }, ui).catch((e: Error) =>
          ui.warning(`env down failed: ${e.message}`),
        );
      }
      throw err;
    }
    if (!s.keep) deleted = (await timer.time('env down', () => envDown(s, { diagnose: false }, ui))).deleted;
    await ui.summary(
      `## flinkship up: ${s.loaded.spec.name}\n\n${renderTimings(timer.steps, timer.totalSeconds())}\n`,
    );
    return {
      image,
      env: env!,
      smoke: smoke!,
      timings: timer.steps,
      totalSeconds: timer.totalSeconds(),
      deleted,
    };
  },
  text: (r) =>
    [
      `image: ${r.image}`,
      `smoke: ${r.smoke.mode === 'command' ? `command passed` : `${r.smoke.records} records as expected`}`,
      `time: ${r.totalSeconds.toFixed(1)} s (${r.timings.map((t) => `${t.step} ${t.seconds.toFixed(1)} s`).join(', ')})`,
      ...(r.deleted.length ? [`deleted: ${r.deleted.join(', ')}`] : []),
      '',
    ].join('\n'),
  json: (r) => r,
  outputs: (r) => ({ image: r.image, timings: JSON.stringify(r.timings) }),
  summary: () => '',
});
