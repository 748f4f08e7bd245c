// The deployment as GitHub shows it: a deployment and a status on the environment's page, linking the
// run. Recorded after a deploy succeeded, or failed after its preflight.
import type { DeploymentRecord } from './record.js';
import { recordGitHubDeployment, type GitHubRunContext } from '../executors/github.js';
import type { Ui } from '../ui/ui.js';

/** What every deployment of this run says about where it comes from and which environment it is. */
function runFields(github: GitHubRunContext, environment: string, transientEnvironment: boolean) {
  return {
    owner: github.owner,
    repo: github.repo,
    ref: github.sha,
    environment,
    logUrl: github.runUrl,
    transientEnvironment,
    productionEnvironment: environment === 'production',
  };
}

export interface RecordedOnGitHub {
  id: number;
  environmentUrl: string;
}

/** Records a successful deploy: the record as payload, Flink's REST API as the environment URL. */
export async function recordSuccessOnGitHub(
  token: string,
  github: GitHubRunContext,
  ui: Ui,
  what: {
    environment: string;
    clusterId: string;
    image: string;
    record: DeploymentRecord;
    environmentUrl: string;
    transientEnvironment: boolean;
  },
): Promise<RecordedOnGitHub> {
  return ui.group(`Record a GitHub deployment to ${what.environment}`, async () => {
    const recorded = await recordGitHubDeployment(
      token,
      {
        ...runFields(github, what.environment, what.transientEnvironment),
        description: `${what.clusterId} ${what.image.split('@')[1] ?? what.image}`.slice(0, 140),
        payload: { ...what.record },
        environmentUrl: what.environmentUrl,
        state: 'success',
      },
      { apiUrl: github.apiUrl },
    );
    ui.info(`GitHub deployment ${recorded.deploymentId}, status ${recorded.statusId}: ${recorded.url}`);
    return { id: recorded.deploymentId, environmentUrl: what.environmentUrl };
  });
}

/**
 * Records a deploy that failed after its preflight as a GitHub deployment with state `failure`, so the
 * environment's page shows it and links the run. A GitHub error is only a warning: the deploy's own
 * error is what the caller rethrows.
 */
export async function recordFailureOnGitHub(
  token: string,
  github: GitHubRunContext,
  failure: unknown,
  ui: Ui,
  what: {
    environment: string;
    clusterId: string;
    image: string;
    configHash: string;
    transientEnvironment: boolean;
  },
): Promise<void> {
  const reason = (failure instanceof Error ? failure.message : String(failure)).split('\n')[0]!;
  const description = `${what.clusterId} failed: ${reason}`;
  try {
    await ui.group(`Record the failed deployment to ${what.environment} on GitHub`, async () => {
      const recorded = await recordGitHubDeployment(
        token,
        {
          ...runFields(github, what.environment, what.transientEnvironment),
          description: description.length <= 140 ? description : `${description.slice(0, 139)}…`,
          payload: {
            clusterId: what.clusterId,
            image: what.image,
            configHash: what.configHash,
            failure: reason,
          },
          state: 'failure',
        },
        { apiUrl: github.apiUrl },
      );
      ui.info(
        `GitHub deployment ${recorded.deploymentId}, status ${recorded.statusId} (failure): ${recorded.url}`,
      );
    });
  } catch (err) {
    ui.warning(
      `the failed deploy could not be recorded as a GitHub deployment (${(err as Error).message}); the deploy's own error follows`,
    );
  }
}
