// actions/integration-env, main step: `env up`. Later steps find the cluster through KUBECONFIG; the
// post step learns from the state whether there is anything to take down.
import * as core from '@actions/core';
import { isExecuted } from './entry.js';
import { runAction } from './run.js';

export async function run(): Promise<void> {
  const code = await runAction('env up');
  if (process.env.FLINKSHIP_ENV_UP_STARTED) core.saveState('started', 'true');
  if (code === 0 && process.env.KUBECONFIG) core.exportVariable('KUBECONFIG', process.env.KUBECONFIG);
  process.exitCode = code;
}

if (isExecuted(import.meta.url)) await run();
