// actions/integration-env, post step: `env down` with the main step's inputs (the diagnostics of a
// failed `env up` were collected by that step). Deletes the cluster unless keep is true. When the main
// step stopped at its input checks, nothing was created and there is nothing to do.
import * as core from '@actions/core';
import { isExecuted } from './entry.js';
import { runAction } from './run.js';

export async function run(): Promise<void> {
  if (core.getState('started') === 'true') {
    process.exitCode = await runAction('env down');
  } else {
    core.info(
      'flinkship: env up created nothing (it stopped before touching anything), so there is nothing to take down',
    );
  }
}

if (isExecuted(import.meta.url)) await run();
