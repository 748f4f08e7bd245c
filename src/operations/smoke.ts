// The smoke test of the integration environment: deploy the fixture job with the deploy operation and
// check its output topic end to end, or run the user's own smoke command. `env smoke` and `up` call it
// with a typed SmokeRequest.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CLUSTER_OPTIONS } from '../deploy/options.js';
import { Kube } from '../executors/kube.js';
import { reportFailure } from '../integration/environment.js';
import type { EnvSettings } from '../integration/settings.js';
import { fixtureSmoke, runSmokeCommand, type SmokeResult } from '../integration/smoke.js';
import { optionLabel } from '../options/options.js';
import type { Ui } from '../ui/ui.js';
import { Deadline } from '../util/deadline.js';
import { InputError } from '../util/errors.js';
import { jobJar } from '../spec/resolve.js';

export interface SmokeRequest {
  /** The integration environment, as resolved from the verb's options (its origin names flags or inputs). */
  settings: EnvSettings;
  /** The job image to deploy and to run the log producer from; not needed with `smokeCommand`. */
  image?: string;
  /** The file of expected records of the output topic (default: producer/expected-clean.jsonl beside the spec). */
  expected?: string;
  /** A shell command run as the smoke test instead of the fixture check. */
  smokeCommand?: string;
  /** How the fixture's deploy runs the Flink client (deploy's --client-image and --flink-home). */
  clientImage?: string;
  flinkHome?: string;
}

export function readExpected(file: string, issueAt: { file: string; field: string }): string[] {
  if (!existsSync(file)) {
    throw new InputError([
      {
        ...issueAt,
        message: `no such file: ${file}; expected the records the output topic must hold, one JSON per line`,
      },
    ]);
  }
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Deploys with the deploy operation, so a smoke test deploys exactly as `flinkship deploy` does. */
async function deployFixture(
  s: EnvSettings,
  image: string,
  client: Pick<SmokeRequest, 'clientImage' | 'flinkHome'>,
  ui: Ui,
): Promise<unknown> {
  // Loaded when a fixture is deployed: a smoke command needs none of the deploy's machinery.
  const { deploy } = await import('./deploy.js');
  return ui.group(`Deploy ${s.env.clusterId} (${image}) with the deploy verb`, () =>
    deploy(
      {
        config: s.loaded.file,
        env: s.env.name,
        image,
        ...(s.kubeconfig ? { kubeconfig: s.kubeconfig } : {}),
        ...(s.context ? { context: s.context } : {}),
        ...(client.clientImage ? { clientImage: client.clientImage } : {}),
        ...(client.flinkHome ? { flinkHome: client.flinkHome } : {}),
        // deploy's own default, not the environment's --timeout, as when it was called with flags
        timeout: CLUSTER_OPTIONS.timeout.default,
        origin: 'flags',
      },
      ui,
    ),
  );
}

export async function smoke(request: SmokeRequest, ui: Ui): Promise<SmokeResult> {
  const s = request.settings;
  const origin = s.origin;
  const at = (name: string) => ({
    file: origin === 'flags' ? '<flags>' : '<inputs>',
    field: optionLabel(name, origin),
  });
  const command = request.smokeCommand;
  let expected: string[] = [];
  if (command === undefined) {
    if (request.image === undefined) {
      throw new InputError([
        {
          ...at('image'),
          message: 'required unless smoke-command is given: the job image to deploy, by digest',
        },
      ]);
    }
    // The fixture check runs the log producer from the job's jar.
    jobJar(s.loaded, s.env, 'the fixture smoke test');
    expected = readExpected(
      request.expected ?? path.join(s.loaded.dir, 'producer', 'expected-clean.jsonl'),
      request.expected
        ? at('expected')
        : { file: s.loaded.file, field: `${optionLabel('expected', origin)} (not given)` },
    );
  }
  const deadline = new Deadline(s.timeoutMs);
  let kube: Kube | undefined;
  try {
    if (command !== undefined) {
      await ui.group(`Smoke command: ${command}`, () => runSmokeCommand(command, s, deadline, ui));
      return { mode: 'command', command };
    }
    await deployFixture(s, request.image!, request, ui);
    kube = Kube.load({ kubeconfig: s.kubeconfig, context: s.context }, { ui });
    return await fixtureSmoke(kube, s, { image: request.image!, expected }, deadline, ui);
  } catch (err) {
    if (err instanceof InputError) throw err;
    await reportFailure(s, kube, err as Error, undefined, ui);
    throw err;
  }
}
