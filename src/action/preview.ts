import * as core from '@actions/core';
import { isExecuted } from './entry.js';
import { runAction } from './run.js';

const ACTIONS = ['up', 'down', 'sweep', 'export', 'import'];

/** actions/preview: runs `flinkship preview up`, `down`, `sweep`, `export` or `import`, as the `action` input says. */
export async function run(): Promise<void> {
  const action = core.getInput('action') || 'up';
  if (!ACTIONS.includes(action)) {
    core.error(`action: found "${action}"; valid: ${ACTIONS.join(', ')}`, { title: '<inputs>' });
    core.setFailed('flinkship: 1 invalid input (see the annotations)');
    process.exitCode = 2;
    return;
  }
  process.exitCode = await runAction(`preview ${action}`);
}

if (isExecuted(import.meta.url)) await run();
