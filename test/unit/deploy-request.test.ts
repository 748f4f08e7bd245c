// The deploy operation's typed request: the verb maps its parsed flags or inputs to it once, and its
// check (no I/O) names the flag or the input the values came from, as the verb's messages always did.
import { describe, expect, it } from 'vitest';
import { RunCleanup } from '../../src/deploy/cleanup.js';
import { checkDeployRequest, type DeployRequest } from '../../src/operations/deployRequest.js';
import { parseOptions } from '../../src/options/options.js';
import type { Ui } from '../../src/ui/ui.js';
import { InputError } from '../../src/util/errors.js';
import { DEPLOY_OPTIONS, deployRequestOf } from '../../src/verbs/deploy.js';

const DIGEST = `ghcr.io/acme/log-cleaner@sha256:${'ab'.repeat(32)}`;
const cleanup = () =>
  new RunCleanup({ info: () => undefined, warning: () => undefined } as Partial<Ui> as Ui);

describe('deployRequestOf', () => {
  it('maps the parsed flags to the typed request, with the defaults and the origin', () => {
    const options = parseOptions(
      DEPLOY_OPTIONS,
      {
        config: 'fixtures/log-cleaner/flinkship.yaml',
        env: 'staging',
        image: DIGEST,
        'rest-url': 'http://x:8081',
      },
      'flags',
    );
    expect(deployRequestOf(options)).toEqual({
      config: 'fixtures/log-cleaner/flinkship.yaml',
      env: 'staging',
      image: DIGEST,
      kubeconfig: undefined,
      context: undefined,
      timeout: '5m',
      restUrl: 'http://x:8081',
      clientImage: undefined,
      flinkHome: undefined,
      githubToken: undefined,
      origin: 'flags',
    });
  });

  it('takes the github-token only from action inputs', () => {
    const raw = { env: 'staging', image: DIGEST, 'github-token': 'ghs_x' };
    expect(deployRequestOf(parseOptions(DEPLOY_OPTIONS, raw, 'inputs'))).toMatchObject({
      githubToken: 'ghs_x',
      origin: 'inputs',
    });
    expect(deployRequestOf(parseOptions(DEPLOY_OPTIONS, raw, 'flags')).githubToken).toBeUndefined();
  });
});

describe('checkDeployRequest', () => {
  const request = (over: Partial<DeployRequest>): DeployRequest => ({
    config: 'fixtures/log-cleaner/flinkship.yaml',
    env: 'staging',
    image: DIGEST,
    timeout: '5m',
    origin: 'flags',
    ...over,
  });

  it('resolves the plan, the client and the timeout of a valid request', () => {
    const checked = checkDeployRequest(request({ timeout: '90s' }), cleanup());
    expect(checked.timeoutMs).toBe(90_000);
    expect(checked.env.name).toBe('staging');
    expect(checked.desired.clusterId).toBe('log-cleaner');
  });

  it('names the flag, or the input, that holds a bad value, and reports every problem at once', () => {
    for (const [origin, file, image, timeout] of [
      ['flags', '<flags>', '--image', '--timeout'],
      ['inputs', '<inputs>', 'image', 'timeout'],
    ] as const) {
      let thrown: unknown;
      try {
        checkDeployRequest(
          request({ image: 'ghcr.io/acme/log-cleaner:1.0', timeout: 'soon', origin }),
          cleanup(),
        );
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as InputError).issues.map((i) => [i.file, i.field])).toEqual([
        [file, timeout],
        [file, image],
      ]);
    }
  });
});
